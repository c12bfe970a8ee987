"""The student notebook of backprop: a gradient check of backward against numerical_gradient,
training curves on two rings (ReLU, tanh, dropout, and a network without a hidden layer), and
the decision regions the trained networks draw (tools/dlgrade/release/notebook.py builds the
notebook around these cells). Contract functions only; the data are generated here."""

CELLS = [
    ("markdown", """
## The data: two rings

Examples are the COLUMNS of X (2, m), labels are Y (1, m): the inner ring (radius 1) is class 0,
the outer ring (radius 2) class 1. No straight line separates them, so a network needs a hidden
layer to classify them."""),
    ("code", """
rng = np.random.default_rng(0)
m = 400
labels = np.arange(m) % 2
angle = rng.uniform(0, 2 * np.pi, size=m)
X = (1.0 + labels) * np.vstack([np.cos(angle), np.sin(angle)]) + 0.1 * rng.normal(size=(2, m))
Y = labels[None, :].astype(float)
X.shape, Y.shape"""),
    ("markdown", """
## Gradient check

For a small network [2, 5, 3, 1] with tanh hidden units and weight decay lam, compare every entry
of your `backward` gradients dW[l], db[l] with central differences of your `cost`
(J = cross_entropy + lam * sum_l sum(W[l]**2)), computed by your `numerical_gradient`. Every dot should
sit on the diagonal, and the relative errors should be around 1e-7 or smaller. Dots on a line
of another slope point to a missing or extra factor (1/m, 2 lam); a cloud means a wrong delta."""),
    ("code", """
sizes, lam = [2, 5, 3, 1], 0.05
Xs, Ys = X[:, :30], Y[:, :30]
params = student.init_params(sizes, np.random.default_rng(1))
for l in range(1, len(sizes)):  # non-zero biases, so that db is checked too
    params[f"b{l}"] = np.random.default_rng(l).normal(0.0, 0.5, size=params[f"b{l}"].shape)


def J(_):  # reads params through the closure, so numerical_gradient's in-place changes show
    return student.cost(params, Xs, Ys, hidden="tanh", lam=lam)


_, cache = student.forward(params, Xs, hidden="tanh")
grads = student.backward(params, cache, Ys, hidden="tanh", lam=lam)
fig, ax = plt.subplots(figsize=(5.5, 5))
for name in params:
    analytic = grads["d" + name]
    numeric = student.numerical_gradient(J, params[name])
    error = np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)
    ax.scatter(numeric.ravel(), analytic.ravel(), s=18, label=f"d{name}: rel. error {error:.1e}")
low, high = ax.get_xlim()
ax.plot([low, high], [low, high], color="black", lw=0.8)
ax.set(title="backward vs numerical gradient", xlabel="numerical_gradient", ylabel="backward")
ax.legend(fontsize=8)
plt.show()"""),
    ("markdown", """
## Training curves

`train` runs mini-batch gradient descent (B = 32, alpha = 0.1) with your forward and backward
passes. The losses are the full-data cost before training and after every epoch. The networks
with a hidden layer should fall well below ln 2 = 0.69 (the cost of always answering 1/2); the
network without one (layer sizes [2, 1], logistic regression) cannot: it stays near 0.69 however
long it trains. A curve that rises or jumps around means a sign error or a wrong gradient."""),
    ("code", """
runs = {
    "[2, 16, 1] relu": dict(layer_sizes=[2, 16, 1]),
    "[2, 16, 1] tanh": dict(layer_sizes=[2, 16, 1], hidden="tanh"),
    "[2, 16, 1] relu, keep_prob 0.8": dict(layer_sizes=[2, 16, 1], keep_prob=0.8),
    "[2, 1] (no hidden layer)": dict(layer_sizes=[2, 1]),
}
trained = {}
fig, ax = plt.subplots(figsize=(8, 4.5))
for label, options in runs.items():
    params, losses = student.train(X, Y, n_epochs=200, rng=np.random.default_rng(0), **options)
    trained[label] = (params, options.get("hidden", "relu"))
    ax.plot(losses, label=label)
ax.axhline(np.log(2), color="gray", ls=":", label="ln 2")
ax.set(title="cost per epoch", xlabel="epoch", ylabel="J")
ax.legend()
plt.show()"""),
    ("markdown", """
## Decision regions

The colour is the network's output y_hat = a[L] on a grid of points, the black line is
y_hat = 1/2. A network with a hidden layer should draw a closed curve between the two rings; the
one without a hidden layer can only draw a straight line."""),
    ("code", """
g0, g1 = np.meshgrid(np.linspace(-3, 3, 150), np.linspace(-3, 3, 150))
grid = np.vstack([g0.ravel(), g1.ravel()])  # (2, 150 * 150): one point per column
fig, axes = plt.subplots(1, len(trained), figsize=(4.2 * len(trained), 4), sharey=True)
for ax, (label, (params, hidden)) in zip(axes, trained.items()):
    surface = student.forward(params, grid, hidden=hidden)[0].reshape(g0.shape)
    accuracy = np.mean((student.forward(params, X, hidden=hidden)[0] >= 0.5) == Y)
    ax.contourf(g0, g1, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    ax.contour(g0, g1, surface, levels=[0.5], colors="black")
    ax.scatter(X[0], X[1], c=Y[0], cmap="RdBu_r", edgecolors="black", s=8, lw=0.3)
    ax.set(title=f"{label}\\naccuracy {accuracy:.0%}", xlabel="x1")
axes[0].set(ylabel="x2")
plt.show()"""),
]
