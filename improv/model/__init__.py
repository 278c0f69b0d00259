"""The LSTM: its files on disk, its Keras graph, and the engines that run it one step
at a time. Learning fits it; performing plays it. TensorFlow only through ``tf_loader``.
"""
