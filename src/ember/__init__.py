"""ember: deep learning and machine learning from first principles on NumPy."""
__version__ = "0.1.0"
