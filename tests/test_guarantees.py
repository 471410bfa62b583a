"""Behaviour users rely on that no other test pinned down: each test here was found missing by
mutation testing (`make mutate`, docs/mutation.md), and each says what it protects."""
