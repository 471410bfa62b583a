"""nn's losses (mse, bce, bce_with_logits, hinge, cross_entropy): their values, gradients and refusals."""
