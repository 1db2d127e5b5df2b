"""Layers built from the autograd: Module and Parameter, Linear, Embedding, Dropout, the LSTM (and, with the model,
Luong attention in ``attention.py``)."""

from tinyseqkd.nn.module import Module, ModuleList, Parameter, uniform
from tinyseqkd.nn.layers import Dropout, Embedding, Linear
from tinyseqkd.nn.lstm import LSTM, LSTMCell, lstm_pointwise
from tinyseqkd.nn.gradcheck import gradcheck_module, parameters_replaced

__all__ = [
    "Module", "ModuleList", "Parameter", "uniform", "Linear", "Embedding", "Dropout",
    "LSTM", "LSTMCell", "lstm_pointwise", "gradcheck_module", "parameters_replaced",
]
