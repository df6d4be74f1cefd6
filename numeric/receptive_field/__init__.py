"""Receptive fields: of single-path stacks (``stack``: the Distill recurrence, ``Layer``, ``Field``) and of
graphs of layers (``graph``: ``Graph`` with the layers of ``ops``, fields per unit from ``axis``).

The stack API is the one this module has always had: ``Layer``, ``Field``, ``Row``,
``receptive_field(layers)``, ``receptive_field_table(layers, input_size)``.
"""
from numeric.receptive_field.axis import AxisMap
from numeric.receptive_field.graph import Graph, NodeField
from numeric.receptive_field.ops import (
                                         AdaptivePool,
                                         Add,
                                         Concat,
                                         Conv,
                                         ConvTranspose,
                                         Flatten,
                                         Linear,
                                         Op,
                                         Pointwise,
                                         Pool,
                                         Upsample,
)
from numeric.receptive_field.stack import (
                                         Field,
                                         Layer,
                                         Row,
                                         receptive_field,
                                         receptive_field_table,
)

__all__ = [
                                         "AdaptivePool",
                                         "Add",
                                         "AxisMap",
                                         "Concat",
                                         "Conv",
                                         "ConvTranspose",
                                         "Field",
                                         "Flatten",
                                         "Graph",
                                         "Layer",
                                         "Linear",
                                         "NodeField",
                                         "Op",
                                         "Pointwise",
                                         "Pool",
                                         "Row",
                                         "Upsample",
                                         "receptive_field",
                                         "receptive_field_table",
]
