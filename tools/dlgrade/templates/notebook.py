"""The student notebook of __ID__ (optional: delete this file and the notebook shows only the
public-test chart). tools/dlgrade/release/notebook.py builds the notebook around these cells;
`student` is the student's module, `np` and `plt` are imported. Never used for grading."""

CELLS = [
    ("markdown", """
## ReLU

The rectified linear unit keeps positive inputs and zeroes the rest."""),
    ("code", """
z = np.linspace(-3, 3, 61)
plt.plot(z, student.relu(z))
plt.title("relu(z)")
plt.show()"""),
]
