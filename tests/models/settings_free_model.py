"""A user's model plug-in without parameters for max_norm_weights and initial_bias."""


def load(architecture, activation_fn, optimizer, learning_rate, input_size, output_size):
    raise AssertionError("only its parameters are read in these tests; it is never built")
