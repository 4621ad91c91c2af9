import subprocess
import sys

import ember.cli


def test_demo_trains_to_a_real_accuracy(capsys):
    assert ember.cli.main(["demo", "--steps", "120"]) == 0
    out = capsys.readouterr().out
    acc = float(out.strip().splitlines()[-1].split()[2])
    assert acc > 0.93, out


def test_help_and_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "ember", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout
    r = subprocess.run([sys.executable, "-m", "ember", "demo", "--steps", "x"], capture_output=True, text=True)
    assert r.returncode == 2 and "invalid int value" in r.stderr
