# The graders run under dlgrade's plugin (points, visibility, the `student` and `credit` fixtures).
pytest_plugins = ["dlgrade.grading.plugin"]
