"""The site's Merkle tree (ledger/merkle.py) and the stand-alone verifier (tools/verify_log.py)
carry separate copies of RFC 6962's hashing on purpose: an outside verifier must need nothing
from this project. Both copies are held to the same published vectors here (the Certificate
Transparency reference tree of RFC 6962's test data), and to each other on every tree shape,
so a change to one that the other does not share fails before any reader's check does."""

import pytest

from ledger import merkle
from tools import verify_log

# The eight entries of the Certificate Transparency reference tree and its roots for sizes 0..8.
CT_ENTRIES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# The published inclusion proof of leaf 0 in the tree of 8.
CT_PROOF_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]

IMPLEMENTATIONS = [
    pytest.param(merkle.leaf_hash, merkle.root, id="site"),
    pytest.param(verify_log.leaf_hash, verify_log.root_of, id="verifier"),
]


@pytest.mark.parametrize(("leaf_hash", "root"), IMPLEMENTATIONS)
def test_both_copies_give_the_published_roots(leaf_hash, root):
    leaves = [leaf_hash(bytes.fromhex(entry)) for entry in CT_ENTRIES]
    assert [root(leaves[:n]).hex() for n in range(len(leaves) + 1)] == CT_ROOTS


@pytest.mark.parametrize("verify", [merkle.verify_inclusion, verify_log.verify_inclusion])
def test_both_copies_accept_the_published_inclusion_proof(verify):
    leaves = [merkle.leaf_hash(bytes.fromhex(entry)) for entry in CT_ENTRIES]
    proof = [bytes.fromhex(h) for h in CT_PROOF_0_OF_8]
    assert merkle.inclusion_proof(0, leaves) == proof
    root = bytes.fromhex(CT_ROOTS[8])
    assert verify(0, 8, leaves[0], proof, root)
    assert not verify(1, 8, leaves[0], proof, root)
    assert not verify(0, 8, leaves[0], proof[:-1], root)


@pytest.mark.parametrize("n", range(1, 34))
def test_the_verifier_agrees_with_the_site_on_every_proof(n):
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]
    root = merkle.root(leaves)
    assert verify_log.root_of(leaves) == root
    for i in range(n):
        proof = merkle.inclusion_proof(i, leaves)
        assert verify_log.verify_inclusion(i, n, leaves[i], proof, root)
        forged = merkle.leaf_hash(b"a rewritten entry")
        assert not verify_log.verify_inclusion(i, n, forged, proof, root)
    for m in range(1, n + 1):
        proof = merkle.consistency_proof(m, leaves)
        first_root = merkle.root(leaves[:m])
        assert verify_log.verify_consistency(m, n, proof, first_root, root)
        if m < n:
            rewritten = merkle.root([merkle.leaf_hash(b"x"), *leaves[1:m]])
            assert not verify_log.verify_consistency(m, n, proof, rewritten, root)
            assert not merkle.verify_consistency(m, n, proof, rewritten, root)
