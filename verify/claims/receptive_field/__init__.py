"""Claims on receptive fields (000 Q1.7, Q2.2): the interval maps composed over a stack, constant
stacks, effective stride and padding, the field measured from real input gradients, and the width
of the effective receptive field.

Every closed form and control is read from the ``derive.receptive_field`` derivations (``linked``):
those over a stack of any depth are stated with the layer parameters as functions k(l), s(l), p(l),
d(l) of the layer index, and are instantiated at each stack's depth and parameters (``stacks``). The
measurements come from ``numeric``: ``numeric.receptive_field`` for the calculator, and
``numeric.conv``'s backward passes for the footprints and gradient maps. All checks are exact
(integers), except the effective field's std, which is judged within a stated rounding bound.

One module per derivation module of ``derive.receptive_field``: ``stack`` (rf.recurrence), ``constant``
(rf.constant_stack), ``span`` (rf.padding), ``support`` (rf.empirical), ``effective_field`` (rf.effective); ``graph`` (rf.graph: random graphs against
backprop, no derivation yet: its proof shows as unlinked).
"""
from . import constant, effective_field, graph, span, stack, support

__all__ = ["CLAIMS"]

CLAIMS = [*stack.CLAIMS, *constant.CLAIMS, *span.CLAIMS, *support.CLAIMS, *effective_field.CLAIMS, *graph.CLAIMS]
