"""glassgrad's autograd: a scalar computation graph you can look into. The public names."""

from . import ops
from .anomaly import AnomalyError, AnomalyWarning, detect_anomaly
from .functional import grad, no_grad
from .ops import sum_values
from .value import REGISTRY, Op, Value, apply, defop, topological_order

__all__ = [
    "REGISTRY", "AnomalyError", "AnomalyWarning", "Op", "Value", "apply", "defop",
    "detect_anomaly", "grad", "no_grad", "ops", "sum_values", "topological_order",
]
