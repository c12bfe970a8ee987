"""conv_output_size uses / instead of //, so it returns a float (and a fraction when stride does not divide).

expect: floor division
"""
def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) / stride + 1
