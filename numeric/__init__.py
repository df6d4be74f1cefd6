"""numeric: the mathematics of ``derive`` computed on NumPy arrays (it never imports ``derive``).

Modules, one per topic (the same names as in ``derive`` and ``verify``):

- ``numeric.activations``      φ and φ' on arrays (relu, sigmoid, tanh, softplus, log_sigmoid, Φ), and THE
                               activation table: ``ACTIVATIONS``, ``activation(name, **parameters)``.
- ``numeric.init``             fans, gains and the initializers of ``torch.nn.init``, as one variance-scaling form.
- ``numeric.linear``           dense layers and MLPs: forward pass, explicit backward pass.
- ``numeric.propagation``      Monte Carlo through depth: second moments forward (``propagate``) and
                               backward (``backpropagate``), new weights per replicate, bounded memory.
- ``numeric.conv``             convolution and pooling geometry, conv2d and pooling with their gradients.
- ``numeric.receptive_field``  receptive field, effective stride and padding of a stack of layers; fields,
                               shapes, parameters and MACs of every node of a graph of layers (``Graph``).
- ``numeric.gain``             one-layer Monte Carlo kernels behind gains, fixed points and χ₁.
- ``numeric.correlation``      correlation maps, depth scales, the critical σ_w and the NNGP kernel.
- ``numeric.dynamics``         gradient descent on a one-hidden-layer net (unit symmetry), residual stacks.
- ``numeric.gan``              GAN losses from logits, the optimal discriminator, a logistic discriminator.

Every bad argument raises ``NumericError`` (a ValueError, and a TypeError for older callers) with one
line naming the argument, the value received and the rule; argument checks live in ``numeric._checks``.

The modules' public names are re-exported here, grouped by topic, except three whose names are taken by
modules or would be ambiguous (``numeric.linear.linear``, ``numeric.receptive_field.receptive_field``,
``numeric.dynamics.forward``), the module-level settings of ``numeric.propagation`` (STACK_ELEMENTS,
INITIALIZERS) and the names a module keeps only for its older callers (``numeric.gain``'s ACTIVATIONS,
normal_cdf and its pair-returning activation; ``numeric.dynamics.ACTIVATIONS``, the names its
experiments accept; ``numeric.linear``'s propagate, Propagation and STACK_ELEMENTS).
"""

from numeric._checks import NumericError

# activations: elementwise φ and φ', and the table
from numeric.activations import (ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, Activation, activation, log_sigmoid,
                                 normal_cdf, relu, relu_grad, sigmoid, sigmoid_grad, softplus, tanh, tanh_grad)

# init: fans, gains, initializers
from numeric.init import (calculate_gain, fans, init_std, kaiming_normal, kaiming_uniform, lecun_normal,
                          lecun_uniform, torch_default, torch_default_bias, variance_scaling, xavier_normal,
                          xavier_uniform)

# linear: MLPs forward and backward
from numeric.linear import MLP, Gradients, Trace, activation_pair, check_widths

# propagation: Monte Carlo through depth
from numeric.propagation import Propagation, backpropagate, propagate

# conv: geometry, parameter counts, convolution and pooling
from numeric.conv import (avg_pool2d, avg_pool2d_grad_input, conv2d, conv2d_backward, conv2d_grad_input,
                          conv2d_grad_weight, conv_params, dense_params, max_pool2d, max_pool2d_grad_input,
                          output_size, transposed_output_size)

# receptive_field: fields of layer stacks
from numeric.receptive_field import (AdaptivePool, Add, AxisMap, Concat, Conv, ConvTranspose, Field, Flatten, Graph,
                                     Layer, Linear, NodeField, Op, Pointwise, Pool, Row, Upsample,
                                     receptive_field_table)

# gain: one-layer Monte Carlo kernels
from numeric.gain import (deep_second_moments, layer_gradient_second_moment, layer_jacobian_second_moment,
                          layer_second_moment)

# correlation: correlation maps, depth scales, the order-to-chaos boundary, the NNGP kernel
from numeric.correlation import (ORDER, Nonlinearity, bivariate_expectation, chi1, chi_c, correlation_fixed_point,
                                 correlation_iterates, correlation_map, critical_sigma_w, depth_scales, erf,
                                 erf_kernel, finite_width_correlation, gaussian_expectation, layer_covariance,
                                 nngp_kernel, nonlinearity, phase, relu_kernel, variance_fixed_point)

# dynamics: symmetry under gradient descent, residual stacks
from numeric.dynamics import (Params, Training, branch_backward, branch_forward, constant_params, gd_step,
                              hidden_size, loss_and_grads, matmul_columnwise, output_range, random_params,
                              regression_task, stack_backward, stack_forward, stack_input_grad, train,
                              unit_differences, unit_spread)

# gan: losses from logits, discriminators
from numeric.gan import (LOSSES, LogisticFit, discriminator_loss, fit_logistic, gan_value, gaussian_logpdf,
                         generator_loss, logistic_discriminator, nonsaturating_grad, nonsaturating_grad_wrt_d,
                         nonsaturating_loss, optimal_discriminator, optimal_discriminator_gaussians,
                         saturating_grad, saturating_grad_wrt_d, saturating_loss)

__version__ = "0.1.0"

__all__ = [
    "NumericError",
    # activations
    "relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "softplus", "log_sigmoid", "normal_cdf",
    "Activation", "ACTIVATIONS", "activation", "SELU_ALPHA", "SELU_LAMBDA",
    # init
    "fans", "calculate_gain", "init_std", "variance_scaling", "lecun_normal", "lecun_uniform", "xavier_normal",
    "xavier_uniform", "kaiming_normal", "kaiming_uniform", "torch_default", "torch_default_bias",
    # linear
    "MLP", "Trace", "Gradients", "activation_pair", "check_widths",
    # propagation
    "Propagation", "propagate", "backpropagate",
    # conv
    "output_size", "transposed_output_size", "conv_params", "dense_params", "conv2d", "conv2d_grad_input",
    "conv2d_grad_weight", "conv2d_backward", "max_pool2d", "max_pool2d_grad_input", "avg_pool2d",
    "avg_pool2d_grad_input",
    # receptive_field
    "Layer", "Field", "Row", "receptive_field_table", "Graph", "NodeField", "AxisMap", "Op", "Conv", "Pool",
    "ConvTranspose", "Upsample", "AdaptivePool", "Pointwise", "Linear", "Flatten", "Add", "Concat",
    # gain
    "layer_second_moment", "layer_gradient_second_moment", "layer_jacobian_second_moment", "deep_second_moments",
    # correlation
    "erf", "Nonlinearity", "nonlinearity", "relu_kernel", "erf_kernel", "gaussian_expectation",
    "bivariate_expectation", "layer_covariance", "correlation_map", "variance_fixed_point",
    "correlation_fixed_point", "correlation_iterates", "chi1", "chi_c", "depth_scales", "critical_sigma_w",
    "phase", "nngp_kernel", "finite_width_correlation", "ORDER",
    # dynamics
    "matmul_columnwise", "Params", "constant_params", "random_params", "regression_task", "loss_and_grads",
    "gd_step", "train", "Training", "unit_differences", "unit_spread", "output_range", "hidden_size",
    "branch_forward", "branch_backward", "stack_forward", "stack_backward", "stack_input_grad",
    # gan
    "LOSSES", "saturating_loss", "saturating_grad", "nonsaturating_loss", "nonsaturating_grad", "generator_loss",
    "saturating_grad_wrt_d", "nonsaturating_grad_wrt_d", "discriminator_loss", "gan_value", "gaussian_logpdf",
    "optimal_discriminator", "optimal_discriminator_gaussians", "LogisticFit", "fit_logistic",
    "logistic_discriminator",
]
