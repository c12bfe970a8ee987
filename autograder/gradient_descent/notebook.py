"""The student notebook of gradient_descent: loss curves of batch GD and mini-batch SGD, and the
decision boundary h_theta(x) = 1/2 (tools/dlgrade/release/notebook.py builds the notebook around
these cells)."""

CELLS = [
    ("markdown", """
## The data

Two overlapping clouds of 2-D points, labelled 0 and 1. `add_bias` (given) prepends the column of
ones, so `theta[0]` is the bias."""),
    ("code", """
rng = np.random.default_rng(7)
N = 200
X_raw = np.vstack([rng.normal([-1.0, -0.5], 1.0, size=(N // 2, 2)),
                   rng.normal([1.2, 0.9], 1.0, size=(N // 2, 2))])
y = np.repeat([0.0, 1.0], N // 2)
X = student.add_bias(X_raw)
X.shape, y.shape"""),
    ("markdown", """
## Loss curves

Batch gradient descent takes one step per iteration on all N examples; mini-batch SGD takes
N / B steps per epoch on shuffled batches. Both curves should fall and flatten out; a curve that
rises means the update has the wrong sign or alpha is too large."""),
    ("code", """
theta_gd, losses_gd = student.gradient_descent(X, y, alpha=0.5, n_iters=300)
theta_sgd, losses_sgd = student.minibatch_sgd(X, y, alpha=0.2, batch_size=16, n_epochs=30,
                                              rng=np.random.default_rng(1))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
ax1.plot(losses_gd)
ax1.set(title="batch gradient descent", xlabel="iteration", ylabel="J(theta)")
ax2.plot(losses_sgd, marker="o", markersize=3)
ax2.set(title="mini-batch SGD (B = 16)", xlabel="epoch")
plt.show()
print("final loss: GD", round(losses_gd[-1], 4), " SGD", round(losses_sgd[-1], 4))"""),
    ("markdown", """
## Decision boundary

The colours are h_theta(x), the predicted probability of class 1; the black line is where it
equals 1/2, that is theta^T x = 0."""),
    ("code", """
x0 = np.linspace(X_raw[:, 0].min() - 1, X_raw[:, 0].max() + 1, 200)
x1 = np.linspace(X_raw[:, 1].min() - 1, X_raw[:, 1].max() + 1, 200)
g0, g1 = np.meshgrid(x0, x1)
grid = student.add_bias(np.column_stack([g0.ravel(), g1.ravel()]))
proba = student.predict_proba(theta_gd, grid).reshape(g0.shape)
accuracy = np.mean(student.predict(theta_gd, X) == y)
fig, ax = plt.subplots(figsize=(6.5, 5))
filled = ax.contourf(g0, g1, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
ax.contour(g0, g1, proba, levels=[0.5], colors="black")
ax.scatter(X_raw[:, 0], X_raw[:, 1], c=y, cmap="RdBu_r", edgecolors="black", s=22)
fig.colorbar(filled, label="h_theta(x)")
ax.set(title=f"decision boundary (training accuracy {accuracy:.0%})", xlabel="x1", ylabel="x2")
plt.show()"""),
]
