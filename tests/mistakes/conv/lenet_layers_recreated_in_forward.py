"""LeNet5 declares its layers in __init__ but builds fresh fully connected layers inside forward, so they never train.

expect: re-create layers
"""
class LeNet5(nn.Module):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.num_classes = num_classes
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(nn.Linear(400, 120)(x.flatten(1)))
        x = torch.relu(nn.Linear(120, 84)(x))
        return nn.Linear(84, self.num_classes)(x)
