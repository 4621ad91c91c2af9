def main(argv=None):
    print("ember", __import__("ember").__version__)
    return 0
