"""The student notebook of adversarial: clean digits next to their FGSM and PGD versions with the
model's predictions, the robust accuracy of the pretrained CNN as eps grows (FGSM vs PGD), and a
few epochs of adversarial training against plain training (tools/dlgrade/release/notebook.py
builds the notebook around these cells). Contract functions only; data: scikit-learn's digits
0-4, digits_cnn.npz shipped beside the module."""

CELLS = [
    ("markdown", """
## The model under attack

`load_pretrained()` reads `digits_cnn.npz` (beside your module): a small CNN trained on the 8x8
digits 0-4, in eval mode. On clean digits it is nearly always right; the question is how far
one has to move each pixel (eps, in the L-infinity norm) to fool it."""),
    ("code", """
import torch
import torch.nn.functional as F

X, y = student.load_digits()                      # (N, 1, 8, 8) in [0, 1], labels 0-4
order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
X_train, y_train, X_test, y_test = X[order[:600]], y[order[:600]], X[order[600:]], y[order[600:]]
model = student.load_pretrained()
print("clean test accuracy:", student.accuracy(model, X_test, y_test))"""),
    ("markdown", """
## Clean vs adversarial digits

Top row: clean test digits with the model's prediction. Middle: FGSM with eps = 0.2, one step
of eps * sign(dL/dx). Bottom: PGD with the same eps (alpha = eps / 4, 10 steps, random start).
Every pixel moved by at most eps and stayed in [0, 1]; the digits still look the same to a
person, yet the predictions change. Perturbed images that look like noise or leave [0, 1]
(washed-out colours) mean a missing projection or clamp; unchanged predictions with a large
eps mean the step goes the wrong way."""),
    ("code", """
eps = 0.2
x, labels = X_test[:8], y_test[:8]
x_fgsm = student.fgsm(model, x, labels, eps)
x_pgd = student.pgd(model, x, labels, eps, eps / 4, 10, generator=torch.Generator().manual_seed(0))
fig, axes = plt.subplots(3, 8, figsize=(12, 5))
for row, (name, images) in enumerate([("clean", x), ("FGSM", x_fgsm), ("PGD", x_pgd)]):
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    for k in range(8):
        ax = axes[row, k]
        ax.imshow(images[k, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{name}: {int(predicted[k])}", color="black" if predicted[k] == labels[k] else "red", fontsize=9)
        ax.axis("off")
plt.suptitle(f"eps = {eps}: predictions (red = wrong); max |x_adv - x| = {float((x_pgd - x).abs().max()):.3f}")
plt.show()"""),
    ("markdown", """
## Robust accuracy vs eps

`robust_accuracy(model, x, y, attack, **kw)` for FGSM and PGD over a grid of eps. At eps = 0
both equal the clean accuracy; they fall as eps grows, and PGD, which takes many projected steps
inside the same ball, falls at least as fast as FGSM's single step. A PGD curve above the FGSM
curve points at a PGD that does not climb the loss (a wrong sign, or a projection around x_adv)."""),
    ("code", """
epsilons = [0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3]
curves = {"FGSM": [student.robust_accuracy(model, X_test, y_test, student.fgsm, eps=e) for e in epsilons],
          "PGD (10 steps)": [student.robust_accuracy(model, X_test, y_test, student.pgd, eps=e, alpha=e / 4, steps=10,
                                                     generator=torch.Generator().manual_seed(1)) for e in epsilons]}
fig, ax = plt.subplots(figsize=(6, 4))
for name, accs in curves.items():
    ax.plot(epsilons, accs, marker="o", label=name)
ax.axhline(0.2, color="gray", ls=":", label="chance")
ax.set(xlabel="eps (L-infinity)", ylabel="robust accuracy", ylim=(0, 1.02), title="the pretrained CNN under attack")
ax.legend()
plt.show()"""),
    ("markdown", """
## Adversarial training

Fine-tune two copies of the model for a few epochs: one on clean batches, one with
`adversarial_training_step` (PGD with eps = 0.1 inside each step). The adversarially trained
copy should keep a much higher PGD robust accuracy at eps = 0.1, at a small cost in clean
accuracy (Madry et al. 2018)."""),
    ("code", """
def batches(epoch, size=32):
    shuffle = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(epoch))
    return [(X_train[b], y_train[b]) for b in shuffle.split(size)]


def train(adversarial, epochs=4):
    torch.manual_seed(0)
    net = student.load_pretrained()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        for xb, yb in batches(epoch):
            if adversarial:
                student.adversarial_training_step(net, optimizer, xb, yb, 0.1, 0.025, 5, generator=generator)
            else:
                net.train()
                optimizer.zero_grad()
                F.cross_entropy(net(xb), yb).backward()
                optimizer.step()
    return net.eval()


nets = {"plain training": train(False), "adversarial training": train(True)}
fig, ax = plt.subplots(figsize=(6, 4))
for name, net in nets.items():
    accs = [student.robust_accuracy(net, X_test, y_test, student.pgd, eps=e, alpha=e / 4, steps=10,
                                    generator=torch.Generator().manual_seed(2)) for e in epsilons]
    ax.plot(epsilons, accs, marker="o", label=name)
ax.set(xlabel="eps (L-infinity)", ylabel="PGD robust accuracy", ylim=(0, 1.02),
       title="robustness after 4 epochs of training")
ax.legend()
plt.show()"""),
]
