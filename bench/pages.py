def measure(scale, report):
    pass
