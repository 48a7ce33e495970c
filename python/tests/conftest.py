import os
import sys

# The tests import their sample steps as `sample.steps` (a step must live in an importable module).
sys.path.insert(0, os.path.dirname(__file__))
