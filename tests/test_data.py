"""nn's datasets and metrics: the tables and samples the demos train on, and how answers are scored."""
