"""R1CS and witness: satisfaction, circom binary formats, malformed files."""

from __future__ import annotations

import struct

import pytest

from conftest import assert_rejects, assert_solves
from zkml_chain.errors import ConstraintError, FieldRangeError, FileFormatError, WitnessError
from zkml_chain.field import R
from zkml_chain.r1cs import R1CS, Witness
from zkml_chain.samples import squaring_chain


def test_honest_witness_solves_and_forgeries_fail(chain):
    r1cs, w = chain
    assert_solves(r1cs, w)
    assert_rejects(r1cs, w.with_value(10, w[10] + 1))  # an intermediate value
    assert_rejects(r1cs, w.with_value(1, w[1] + 1))  # a wrong public output
    assert_solves(r1cs, w.with_value(3, R - w[3]))  # -x0 is a genuine second preimage of x0^2
    assert_rejects(r1cs, w.with_value(3, w[3] + 1))  # any other x0 breaks constraint 0
    # The nonce (wire 2) appears in no constraint: any value satisfies the R1CS. Only the QAP's
    # binding rows make the proof depend on it (see test_groth16).
    assert_solves(r1cs, w.with_value(2, 999))


def test_check_names_the_first_failing_constraint(chain):
    r1cs, w = chain
    bad = w.with_value(10, 42)  # wire 10 is x_7: constraints 6 (produces it) and 7 (squares it)
    with pytest.raises(ConstraintError) as e:
        r1cs.check(bad)
    assert e.value.failure.index == 6
    assert "constraint 6" in str(e.value) and "w10" in str(e.value)
    assert e.value.n_failing == 2


def test_witness_length_and_constant_wire(chain):
    r1cs, w = chain
    with pytest.raises(WitnessError, match="has 52 values but the circuit has 53"):
        r1cs.check(Witness(w.values[:-32]))
    with pytest.raises(WitnessError, match="wire 0 must be the constant 1"):
        r1cs.check(w.with_value(0, 2))


def test_r1cs_roundtrip_is_byte_exact(tmp_path, chain):
    r1cs, w = chain
    r1cs.save(tmp_path / "c.r1cs")
    again = R1CS.load(tmp_path / "c.r1cs")
    assert again.to_r1cs() == r1cs.to_r1cs()
    assert (again.n_wires, again.n_public, again.n_constraints) == (r1cs.n_wires, 2, 50)
    w.save(tmp_path / "w.wtns")
    assert Witness.load(tmp_path / "w.wtns") == w


@pytest.mark.parametrize("cut", [0, 3, 11, 40, 200, -1])
def test_truncated_r1cs_is_a_format_error(tmp_path, chain, cut):
    data = chain[0].to_r1cs()
    p = tmp_path / "t.r1cs"
    p.write_bytes(data[:cut] if cut >= 0 else data[:-1])
    with pytest.raises(FileFormatError) as e:
        R1CS.load(p)
    assert str(p) in str(e.value)


def test_wrong_magic_and_version(tmp_path, chain):
    data = chain[0].to_r1cs()
    p = tmp_path / "m.r1cs"
    p.write_bytes(b"wtns" + data[4:])
    with pytest.raises(FileFormatError, match="not a .r1cs file"):
        R1CS.load(p)
    p.write_bytes(data[:4] + struct.pack("<I", 9) + data[8:])
    with pytest.raises(FileFormatError, match="unsupported .r1cs version 9"):
        R1CS.load(p)


def test_other_prime_is_rejected(tmp_path, chain):
    data = bytearray(chain[0].to_r1cs())
    # header section payload starts at 12 (file header) + 12 (section header); prime at +4
    data[28:60] = (R - 2).to_bytes(32, "little")
    p = tmp_path / "p.r1cs"
    p.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="only BN254 is supported"):
        R1CS.load(p)


def test_wtns_errors(tmp_path, chain):
    _, w = chain
    data = w.to_wtns()
    p = tmp_path / "w.wtns"
    p.write_bytes(data[:-5])
    with pytest.raises(FileFormatError, match="truncated"):
        Witness.load(p)
    p.write_bytes(b"r1cs" + data[4:])
    with pytest.raises(FileFormatError, match="not a .wtns file"):
        Witness.load(p)
    # a value >= r
    bad = bytearray(data)
    bad[-32:] = (R + 5).to_bytes(32, "little")
    p.write_bytes(bytes(bad))
    with pytest.raises(FileFormatError, match="not a field element"):
        Witness.load(p)
    with pytest.raises(FieldRangeError):
        Witness.from_ints([1, R])


def test_larger_circuit_roundtrip_and_check(tmp_path):
    r1cs, w = squaring_chain(5000)
    r1cs.save(tmp_path / "big.r1cs")
    again = R1CS.load(tmp_path / "big.r1cs")
    assert again.to_r1cs() == r1cs.to_r1cs()
    assert_solves(again, w)
