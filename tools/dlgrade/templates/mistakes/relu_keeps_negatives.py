"""relu returns |z|: negative inputs are flipped instead of set to 0.

One realistic wrong submission: this docstring says what the student did, the `expect:` line
names a phrase the feedback must contain, and the code below replaces the reference's function
(the wrong submission is the reference with these definitions appended).

expect: not their absolute value
"""
def relu(z):
    return np.abs(z)
