"""A CNN+LSTM sequence classifier (speech-style): convolutions over time, then an LSTM, then a linear head.

Run from the repository root:  python examples/cnn_lstm.py

Conv1d reads (B, channels, T); the LSTM (batch_first) reads (B, T, features): the Transpose between them
is the step people forget, and shapecheck suggests it. The time axis T is symbolic: the model is checked
for every length, and tells which lengths it accepts.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn

MELS, HIDDEN, CLASSES = 40, 128, 12


def cnn_lstm(transpose: bool = True) -> nn.Sequential:
    return nn.Sequential(
        nn.Input("B", MELS, "T"),
        nn.Conv1d(MELS, 64, 5, stride=2), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Conv1d(64, HIDDEN, 5, stride=2), nn.BatchNorm1d(HIDDEN), nn.ReLU(),
        *([nn.Transpose(1, 2)] if transpose else []),
        nn.Pick(nn.LSTM(HIDDEN, HIDDEN, num_layers=2, batch_first=True), 0),  # the output sequence
        nn.Select(1, -1),  # its last step
        nn.Linear(HIDDEN, CLASSES),
    )  # fmt: skip


def main() -> None:
    model = cnn_lstm()
    print("CNN+LSTM on (B, 40, T) log-mel frames:")
    print(f"  output shape:     {model.output_shape}")
    print(f"  input conditions: {', '.join(model.conditions)}")
    print(f"  parameters:       {shapecheck.count_params(model):,}")
    print("\nWithout the Transpose:")
    try:
        cnn_lstm(transpose=False)
    except shapecheck.ShapeError as err:
        print(err)


if __name__ == "__main__":
    main()
