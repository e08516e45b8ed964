"""deep-bottleneck: information-plane experiments on neural networks.

Keras runs on JAX unless ``KERAS_BACKEND`` says otherwise; it is set here, before any
module of the package imports Keras.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

__version__ = "0.1.0"
