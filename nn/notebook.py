"""How a model shows itself in Jupyter: an `MLP` as a table of its layers and their parameters.

Attached to `MLP` here (``MLP._repr_html_``), as `autograd.notebook` does for `Value`; the live
training view is in `nn.widgets` (the ``[notebook]`` extra).
"""

from __future__ import annotations

from autograd.markup import html_text
from autograd.stepper import format_number

from .module import MLP


def mlp_html(model: MLP, limit: int = 6) -> str:
    """One row per layer: its size, activation, parameter count and its first weights."""
    esc = html_text
    rows = []
    for layer in model.layers:
        first = layer.neurons[0]
        params = layer.parameters()
        shown = ", ".join(f"{p.label} = {format_number(p.data)}" for p in params[:limit])
        more = f", … {len(params) - limit} more" if len(params) > limit else ""
        rows.append(f"<tr><td><b>{esc(layer.name)}</b></td><td>{len(first.w)} → {len(layer.neurons)}</td>"
                    f"<td>{esc(first.activation)}</td><td>{len(params)}</td>"
                    f"<td><code>{esc(shown + more)}</code></td></tr>")
    total = len(model.parameters())
    return (f'<div class="glassgrad-mlp"><p><b>MLP</b> with {total} parameters</p><table><thead><tr>'
            f"<th>layer</th><th>inputs → neurons</th><th>activation</th><th>parameters</th>"
            f"<th>values</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


MLP._repr_html_ = mlp_html
