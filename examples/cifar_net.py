"""The CNN of PyTorch's CIFAR-10 tutorial, written as everyone writes it: an unannotated nn.Module.

Its first Linear was copied from the MNIST version of the tutorial (28x28 images give 16*4*4 features);
CIFAR-10's 32x32 images give 16*5*5 = 400. torch says so only when the first batch arrives. Found
without running anything:

    shapecheck check examples/cifar_net.py          # the forward interpreter, no torch needed
    mypy examples/cifar_net.py                      # the same finding, with plugins = shapecheck.mypy

(Run it with torch installed to see torch's own error: python examples/cifar_net.py)
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)  # copied from the MNIST net: 16 * 5 * 5 for 32x32 images
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


if __name__ == "__main__":
    net = Net()
    images = torch.randn(4, 3, 32, 32)  # a batch of CIFAR-10 images
    print(net(images).shape)
