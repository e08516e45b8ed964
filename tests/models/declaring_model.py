"""A user's model plug-in that accepts an optimizer and an activation the built-in models do not."""

ACTIVATION_FUNCTIONS = ("gelu",)
OPTIMIZERS = ("rmsprop",)


def load(architecture, activation_fn, optimizer, learning_rate, input_size, output_size, max_norm_weights=False,
         initial_bias=0.0):
    import keras

    inputs = keras.Input(shape=(input_size,))
    hidden = inputs
    for width in architecture:
        hidden = keras.layers.Dense(width, activation=activation_fn)(hidden)
    model = keras.Model(inputs, keras.layers.Dense(output_size, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model
