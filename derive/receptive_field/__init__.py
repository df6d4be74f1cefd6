"""Receptive fields: the interval map of a layer, composed over a stack of any depth; the field, its
recurrences (bottom-up and top-down), effective stride and padding; constant stacks; the support of a
positive linear stack's input gradient; the width of the effective receptive field.

One module per kind of statement: ``layer`` (one layer's interval map, the symbols of a stack, shared proof
helpers), ``stack`` (rf.recurrence), ``constant`` (rf.constant_stack), ``span`` (rf.padding), ``support``
(rf.empirical), ``effective_field`` (rf.effective), ``graph`` (rf.graph: the merge rule and alignment;
rf.graph.transposed: the transposed-layer rule).

Sources: 000 Q1.7 (four 3×3 layers see 9×9; the formula ((k-1)s)L + 1), Q2.2 (padding and the field;
the notes' 7 versus 5). References: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional
Neural Networks", Distill (2019); Luo, Li, Urtasun & Zemel, "Understanding the Effective Receptive Field in
Deep Convolutional Neural Networks", NeurIPS (2016); Feller, An Introduction to Probability Theory and Its
Applications, Vol. 1 (3rd ed., 1968), §XI.2.
"""
# one layer and the symbols of a stack
from .layer import LAYER, L, c, d, dilation, field, first, k, kappa, kernel, last, p, pad, reads, s, stride, u
# rf.recurrence: the composed interval maps
from .stack import FIELD, FIELD_CONTROL, FIRST, LAST, bottom_up, recurrence, top_down
# rf.constant_stack
from .constant import (CONSTANT_STACK, CONSTANT_STACK_CONTROL, CONSTANT_STACK_STRIDE_ONE, STACK_FIELD,
                       STACK_FIELD_STRIDE_ONE, constant_stack)
# rf.padding: where the field of a unit sits
from .span import END, END_CONTROL, SPAN_SIZE, START, P, R, S, padding
# rf.empirical: the support of the input gradient
from .support import empirical, hi, lo
# rf.graph: merges take the hull (alignment); rf.graph.transposed: what a transposed layer's output reads
from .graph import MERGE_FIELD, merge, transposed
# rf.effective: the width of the gradient map
from .effective_field import ERF_STD, ERF_STD_CLOSED, ERF_STD_CONTROL, TAPS, effective, tap

__all__ = [
    "LAYER", "L", "c", "d", "dilation", "field", "first", "k", "kappa", "kernel", "last", "p", "pad", "reads",
    "s", "stride", "u",
    "FIELD", "FIELD_CONTROL", "FIRST", "LAST", "bottom_up", "recurrence", "top_down",
    "CONSTANT_STACK", "CONSTANT_STACK_CONTROL", "CONSTANT_STACK_STRIDE_ONE", "STACK_FIELD",
    "STACK_FIELD_STRIDE_ONE", "constant_stack",
    "END", "END_CONTROL", "SPAN_SIZE", "START", "P", "R", "S", "padding",
    "empirical", "hi", "lo",
    "MERGE_FIELD", "merge", "transposed",
    "ERF_STD", "ERF_STD_CLOSED", "ERF_STD_CONTROL", "TAPS", "effective", "tap",
]
