"""The exam answers' statements (000), in reading order (same fields as verify/audit_refresher.py)."""
from __future__ import annotations

from . import audit_evidence_exam as ex
from . import audit_evidence_gan as gan
from .audit import Statement as S

Q11, Q13, Q14, Q16, Q17 = "000 Q1.1", "000 Q1.3", "000 Q1.4", "000 Q1.6", "000 Q1.7"
Q22 = "000 Q2.2"
RF3 = [(3, 1)]


EXAM = [
    S(Q11, "initializing all weights to zeros in forward propagation will lead to the identical output as All the "
      "neurons and each layer perform the identical operation.", "holds", "symmetry.identical", ex.symmetry,
      dict(init=0, what="outputs"), flip=(dict(init=0, what="outputs"), dict(init=None, what="outputs")),
      reading="identical outputs of the units within a layer"),
    S(Q11, "and in backward it does not break the symmetry.", "holds", "symmetry.identical", ex.symmetry,
      dict(init=0, what="gradients"), flip=(dict(init=0, what="gradients"), dict(init=None, what="gradients"))),
    S(Q11, "All hidden units will have identical influence on the cost, which will lead to identical gradients.",
      "holds", "symmetry.identical", ex.symmetry, dict(init=0.5, what="gradients"),
      reading="any constant init, zero included", flip=(dict(init=0.5, what="gradients"),
                                                       dict(init=None, what="gradients"))),
    S(Q11, "Thus, both neurons will evolve symmetrically throughout training, effectively preventing different "
      "neurons from learning different things.", "holds", "symmetry.identical", ex.symmetry,
      dict(init=0.5, what="training"), flip=(dict(init=0.5, what="training"), dict(init=None, what="training"))),
    S(Q11, "This makes your model almost like a linear model", "fails", "symmetry.zero", ex.zero_init_model,
      dict(activation="sigmoid", says="linear"),
      "with all-zero weights every hidden unit outputs φ(0) whatever x, so the net is constant in x, and "
      "training fits only the output bias (the other gradients are sums of the centred residual): constant, "
      "not linear", flip=(dict(activation="sigmoid", says="constant"), dict(activation="sigmoid", says="linear"))),
    S("000 Q1.2", "smaller or equal", "holds", "linear.rank", ex.rank_of_product, dict(relation="<="),
      reading="a guess: the question is not in the note; read as 'a deep linear network's expressive power "
      "(rank) is smaller than or equal to one layer's'", flip=(dict(relation="<="), dict(relation="<"))),
    S(Q13, "as from the superposition property of linear operations that L1(L2(L3)) = L4 can be reduced to one "
      "linear operation", "holds", "linear.composition", ex.collapse, dict(activation="none"),
      flip=(dict(activation="none"), dict(activation="relu"))),
    S(Q13, "so the hugely deep neural network will equal to a shallow network", "holds", "linear.composition",
      ex.collapse, dict(activation="none"), reading="a deep *linear* network (no activations) equals one "
      "linear layer as a function", flip=(dict(activation="none"), dict(activation="relu"))),
    S(Q13, "making it can't capture strong complex features representations from the input data", "holds",
      "linear.composition", ex.xor_fit, dict(model="linear"), reading="'complex' read as nonlinear, e.g. XOR",
      flip=(dict(model="linear"), dict(model="relu"))),
    S(Q14, "it initializes the weights such that the variance of the activations are the same across every layer",
      "conditional", "init.xavier", ex.xavier_same_variance, dict(n_in=256, n_out=256),
      "only when n_in = n_out (for units linear near 0): otherwise the forward factor is 2·n_in/(n_in + n_out)",
      flip=(dict(n_in=256, n_out=256), dict(n_in=256, n_out=1024))),
    S(Q14, "Xavier initialization helps mitigate the vanishing and exploding gradient problems", "holds",
      "propagation.backward", ex.xavier_mitigates, dict(init="xavier"),
      reading="for tanh, against unscaled N(0, 1) and small N(0, 0.01²) weights",
      flip=(dict(init="xavier"), dict(init="N(0, 0.01²)"))),
    S(Q14, "it ensures that the gradients neither vanish nor explode as they propagate through the network",
      "conditional", "propagation.backward", ex.xavier_stable, dict(activations=("linear", "tanh", "relu")),
      "for units in their linear regime (Glorot's assumption); tanh with unit-variance inputs loses about a "
      "quarter per layer, and ReLU halves the gradient's second moment per layer (He's 2/n_in fixes that)",
      reading="'the network' read as any activation", flip=(dict(activations=("linear",)), dict(activations=("relu",)))),
    S(Q14, "Xavier initialization takes into account the type of activation function used in the network.",
      "fails", "init.gains", ex.xavier_activation, dict(says=True),
      "Xavier's 2/(n_in + n_out) is the same for every activation; an activation-specific gain (PyTorch's "
      "calculate_gain) is a separate factor", flip=(dict(says=False), dict(says=True))),
    S(Q14, "It provides different scaling factors for activation functions with different characteristics, such as "
      "sigmoid, tanh, and linear activations.", "fails", "init.gains", ex.xavier_activation, dict(says=True),
      "one scale for sigmoid, tanh and linear alike", flip=(dict(says=False), dict(says=True))),
    S(Q16, "the \"+\" is modeling the identity", "holds", "residual.jacobian", ex.residual_jacobian, dict(skip=1),
      flip=(dict(skip=1), dict(skip=0))),
    S(Q16, "i.e. solve the vanishing gradient", "conditional", "residual.depth", ex.residual_depth,
      dict(skip=1, branch_scale=2.0),
      "the skip keeps the gradient from vanishing, but unscaled He-initialized branches make it grow like "
      "(1 + c)^L; it is 'solved' when the branches are scaled down", flip=(dict(skip=1, branch_scale=0.1),
                                                                        dict(skip=0, branch_scale=2.0))),
    S(Q16, "allowing the gradient to pass through to X in backpropagation unaffected by the bypassed two "
      "convolutions blocks", "conditional", "residual.depth", ex.residual_depth, dict(skip=1, branch_scale=2.0),
      "the identity path carries the upstream gradient unchanged, but the total is (I + J_f)ᵀg: the branch adds "
      "J_fᵀg, so the gradient is affected unless the branch is small", flip=(dict(skip=1, branch_scale=0.1),
                                                                            dict(skip=0, branch_scale=2.0))),
    S(Q17, "R_f dimension  $=((k-1) S) L +1 = ((3-1)1)4 +1 = 9$", "conditional", "rf.constant_stack", ex.rf_formula,
      dict(k=3, s=1, layers=4, claimed=9),
      "((k-1)S)L + 1 holds only for stride 1; in general 1 + (k-1)(S^L - 1)/(S - 1) (9 is right here)",
      flip=(dict(k=3, s=1, layers=4, claimed=9), dict(k=3, s=1, layers=4, claimed=8))),
    S(Q17, "$\\therefore R_f size = 9X9 =81 Pixle$", "holds", "rf.recurrence", ex.rf_value,
      dict(layers=RF3 * 4, side=9, area=81), flip=(dict(layers=RF3 * 4, side=9, area=81),
                                                   dict(layers=RF3 * 4, side=9, area=18))),
    S(Q17, "1x1 <-3x3 <- 5x5 <- 7x7 <- 9x9", "holds", "rf.recurrence", ex.rf_chain, dict(chain=(1, 3, 5, 7, 9)),
      flip=(dict(chain=(1, 3, 5, 7, 9)), dict(chain=(1, 3, 6, 9, 12)))),
    *[S(Q17, f"n{4 - j} = 3 + 1({prev}-1) = {prev + 2}", "holds", "rf.recurrence", ex.rf_step,
        dict(k=3, s=1, prev=prev, claimed=prev + 2, layers_below=RF3 * (j + 1)),
        flip=(dict(k=3, s=1, prev=prev, claimed=prev + 2, layers_below=RF3 * (j + 1)),
              dict(k=3, s=1, prev=prev, claimed=prev + 3, layers_below=RF3 * (j + 1))))
      for j, prev in enumerate((1, 3, 5, 7))],
    S(Q17, "n1 = 3+1(1-1) = 3", "notation", "rf.recurrence", ex.numbering, dict(name="n1", k=3, s=1, prev=1, layers=4),
      "here n1 is the top layer's field (counted first), four lines up n1 is the input side's (9); keep one "
      "direction, e.g. n_top first", flip=(dict(name="n1", k=3, s=1, prev=7, layers=4), dict(name="n1", k=3, s=1, prev=1, layers=4))),
    S(Q17, "n2 = 5 +1(3-1)= 7, m=old", "conditional", "rf.recurrence", ex.rf_step,
      dict(k=5, s=1, prev=3, claimed=7, layers_below=RF3 * 2),
      "7 is right for a 5×5 layer under a 3×3 (k = 5 here); for the question's 3×3 layers n2 = 3 + 1(3-1) = 5",
      flip=(dict(k=3, s=1, prev=3, claimed=5, layers_below=RF3 * 2),
            dict(k=5, s=1, prev=3, claimed=8, layers_below=RF3 * 2))),
    S(Q17, "-> receptive field from input pixels = 7x7", "conditional", "rf.recurrence", ex.rf_reading,
      dict(side=7, note_stack=[(3, 1), (5, 1)], question_stack=RF3 * 2),
      "7×7 for the 5×5-under-3×3 stack of the line above; two 3×3 layers see 5×5",
      reading="the stack the line above computes (k = 5 under k = 3)",
      flip=(dict(side=5, note_stack=[(3, 1), (5, 1)], question_stack=RF3 * 2),
            dict(side=8, note_stack=[(3, 1), (5, 1)], question_stack=RF3 * 2))),
    S("000 Q1.8.1", "closer to 0, as the generator is really bad and the discriminator can tell apart that the "
      "generated image is fake", "holds", "gan.fake_score_bound", gan.bad_generator, dict(target=0.0),
      reading="the sentence states its condition (a discriminator that tells them apart)",
      flip=(dict(target=0.0), dict(target=1.0))),
    S("000 Q1.8.2", "* solve the vanishing gradient in the start of the training faced in the orange cost function",
      "holds", "gan.saturation", gan.generator_gradients, dict(d=0.01, strong="non-saturating"),
      reading="orange = log(1 − D(G(z))), blue = −log D(G(z)) (the figure is not in the note); early D(G(z)) ≈ 0.01",
      flip=(dict(d=0.01, strong="non-saturating"), dict(d=0.01, strong="saturating"))),
    S("000 Q1.8.2", "* the advantage here is that the generator gets a strong gradient signal", "holds",
      "gan.saturation", gan.generator_gradients, dict(d=0.01, strong="non-saturating"),
      flip=(dict(d=0.01, strong="non-saturating"), dict(d=0.01, strong="saturating"))),
    S("000 Q1.8.2", "intuition: the generator seeks to maximize the probability of images being real, instead of "
      "minimizing the probability of an image being fake", "holds", "gan.saturation", gan.same_goal,
      dict(direction="same"), reading="both losses push D(G(z)) up; they differ in gradient, not in goal",
      flip=(dict(direction="same"), dict(direction="opposite"))),
    S("000 Q1.8.3", "the discriminator should output values close to 0.5 for both real and generated data.",
      "conditional", "gan.optimal_discriminator", gan.balance, dict(value=0.5, condition=None),
      "at the end of training, when p_g = p_d and D is optimal (D* = 1/2 everywhere); not before",
      flip=(dict(value=0.5, condition="p_g = p_d"), dict(value=1.0, condition=None))),
    S("000 Q1.8.3", "If D(G(z)) is close to 1, it means the discriminator is confidently classifying the generated "
      "samples as real", "holds", "gan.optimal_discriminator", gan.meaning, dict(d=0.99, label="real"),
      flip=(dict(d=0.99, label="real"), dict(d=0.99, label="fake"))),
    S("000 Q1.8.3", "which indicates that the generator has not yet learned to generate realistic data", "fails",
      "gan.fake_score_bound", gan.high_fake_score, dict(cause="generator"),
      "an optimal D has E[D(G(z))] <= 1/2 for every generator; D(G(z)) near 1 means the discriminator is poor "
      "(fooled), not the generator", flip=(dict(cause="discriminator"), dict(cause="generator"))),
    S("000 Q1.8.3", "Conversely, if D(G(z)) is close to 0, it means the discriminator is confidently classifying "
      "the generated samples as fake", "holds", "gan.optimal_discriminator", gan.meaning, dict(d=0.01, label="fake"),
      flip=(dict(d=0.01, label="fake"), dict(d=0.01, label="real"))),
    S("000 Q1.8.3", "indicating that the generator is producing poor-quality data.", "conditional",
      "gan.fake_score_bound", gan.low_fake_score, dict(condition=None),
      "only for a near-optimal discriminator: a degenerate D outputs near 0 on a perfect generator's samples too",
      flip=(dict(condition="optimal D"), dict(condition=None))),
    S("000 Q2.1", "1) 8(5x5x6) + 8x1", "holds", "conv.params", ex.params, dict(kind="conv", note_value=8 * 5 * 5 * 6 + 8),
      flip=(dict(kind="conv", note_value=8 * 5 * 5 * 6 + 8), dict(kind="conv", note_value=8 * 5 * 5 * 6 + 1))),
    S("000 Q2.1", "2) 8x10x10(20x20x6) + 8x10x10x1", "holds", "dense.params", ex.params,
      dict(kind="dense", note_value=800 * 2400 + 800),
      flip=(dict(kind="dense", note_value=800 * 2400 + 800), dict(kind="dense", note_value=800 * 2400 + 1))),
    S(Q22, "layer 1 d_height = (256-3 +2p)/1 +1 = 256", "holds", "conv.output_size", ex.output_height,
      dict(n=256, k=3, s=1, p=1, claimed=256), reading="with p = 1, from the next line",
      flip=(dict(n=256, k=3, s=1, p=1, claimed=256), dict(n=256, k=3, s=1, p=1, claimed=254))),
    S(Q22, "same width and height as the original image $\\therefore p=1$", "holds", "conv.output_size",
      ex.same_padding, dict(n=256, k=3, p=1), flip=(dict(n=256, k=3, p=1), dict(n=256, k=3, p=2))),
    S(Q22, "layer 2: d_height = (256-3)/2 +1 = 128", "conditional", "conv.output_size", ex.output_height,
      dict(n=256, k=3, s=2, p=0, claimed=128),
      "(256 - 3)/2 + 1 = 127.5: 127 with PyTorch's default floor; 128 with ceil-mode pooling (PyTorch "
      "ceil_mode=True, Caffe's default) or with padding 1", flip=(dict(n=256, k=3, s=2, p=0, claimed=127),
                                                                  dict(n=256, k=3, s=2, p=0, claimed=126))),
    S(Q22, "The receptive field is defined by the filter size of a layer within a convolution neural network.\"",
      "conditional", "rf.recurrence", ex.rf_definition, dict(depends_on="one layer"),
      "true for one layer; a unit's field depends on every layer below it (kernels, strides, dilations)",
      flip=(dict(depends_on="all layers"), dict(depends_on="one layer"))),
    S(Q22, "In other words, receptive fields are about the area (in pixels) covered by the convolutional filter(s), "
      "not the size of the input.", "holds", "rf.padding", ex.rf_input_size, dict(depends=False),
      flip=(dict(depends=False), dict(depends=True))),
    S(Q22, "**Padding changes the effective input size", "holds", "rf.padding", ex.padding_effect,
      dict(what="output", changes=True), flip=(dict(what="output", changes=True), dict(what="output", changes=False))),
    S(Q22, "so it can't change the receptive field**", "holds", "rf.padding", ex.padding_effect,
      dict(what="field", changes=False), flip=(dict(what="field", changes=False), dict(what="field", changes=True))),
    S(Q22, "so the padding will not affect it", "holds", "rf.padding", ex.padding_effect,
      dict(what="field", changes=False), flip=(dict(what="field", changes=False), dict(what="field", changes=True))),
    S(Q22, "R field = 1 + (pooling layer) + (conv layer) = 1 + (3-1)x2 + (3-1)x1 = 7", "fails", "rf.recurrence",
      ex.pool_field_sum, dict(terms=((3, 2), (3, 1)), claimed=7),
      "a layer's stride multiplies the kernels of the layers above it, not its own: 1 + (3-1)×1 + (3-1)×1 = 5",
      flip=(dict(terms=((3, 1), (3, 1)), claimed=5), dict(terms=((3, 2), (3, 1)), claimed=7))),
    S(Q22, "size of the receptive field = 7x7 = 49", "fails", "rf.recurrence", ex.rf_value,
      dict(layers=[(3, 1, 1), (3, 2)], side=7, area=49), "5×5 = 25, as the note's own top-down computation finds",
      flip=(dict(layers=[(3, 1, 1), (3, 2)], side=5, area=25), dict(layers=[(3, 1, 1), (3, 2)], side=7, area=49))),
    S(Q22, "n2 = 3 + 2(1-1) = 3", "holds", "rf.recurrence", ex.rf_step,
      dict(k=3, s=2, prev=1, claimed=3, layers_below=[(3, 2)]),
      flip=(dict(k=3, s=2, prev=1, claimed=3, layers_below=[(3, 2)]),
            dict(k=3, s=2, prev=1, claimed=4, layers_below=[(3, 2)]))),
    S(Q22, "n1 = 3 + 1(3-1) = 5", "holds", "rf.recurrence", ex.rf_step,
      dict(k=3, s=1, prev=3, claimed=5, layers_below=[(3, 1, 1), (3, 2)]),
      flip=(dict(k=3, s=1, prev=3, claimed=5, layers_below=[(3, 1, 1), (3, 2)]),
            dict(k=3, s=1, prev=3, claimed=7, layers_below=[(3, 1, 1), (3, 2)]))),
    S(Q22, "$\\therefore R_f size = 5x5 =25 Pixle$", "holds", "rf.recurrence", ex.rf_value,
      dict(layers=[(3, 1, 1), (3, 2)], side=5, area=25),
      flip=(dict(layers=[(3, 1, 1), (3, 2)], side=5, area=25), dict(layers=[(3, 1, 1), (3, 2)], side=5, area=10))),
]
