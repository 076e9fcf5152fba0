// Peer prover for benchmarks/prove.py: gnark's Groth16 on BN254, proving the same squaring
// chain (x_{i+1} = x_i^2, one public output, one public input) that prove.py feeds to
// zkml-chain and snarkjs. gnark cannot read circom .r1cs/.wtns, so the circuit is rebuilt
// with gnark's frontend at the same size; its timing is in-process (key already in memory,
// no process start-up), which flatters gnark relative to the whole-command figures.
//
//	go run . -constraints 65533 -repeats 3   # prints one JSON line
//	go run . -msm 16 -repeats 3              # gnark-crypto's G1 and G2 MultiExp alone (benchmarks/msm.py)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"sort"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	bn254 "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/logger"
)

type chain struct {
	X     frontend.Variable
	Y     frontend.Variable `gnark:",public"`
	Nonce frontend.Variable `gnark:",public"`
	n     int
}

func (c *chain) Define(api frontend.API) error {
	x := c.X
	for i := 0; i < c.n; i++ {
		x = api.Mul(x, x)
	}
	api.AssertIsEqual(x, c.Y)
	return nil
}

type result struct {
	Constraints int       `json:"constraints"`
	ProveS      float64   `json:"prove_s"`
	Runs        []float64 `json:"runs"`
	Valid       bool      `json:"valid"`
}

func main() {
	n := flag.Int("constraints", 1<<16-3, "squaring steps (one R1CS constraint each)")
	repeats := flag.Int("repeats", 3, "proofs to time; the median is reported")
	msm := flag.Int("msm", 0, "time G1 and G2 MultiExp of 2^k random points and scalars instead of a proof")
	flag.Parse()
	logger.Disable()
	if *msm > 0 {
		if err := runMSM(1<<*msm, *repeats); err != nil {
			fmt.Fprintln(os.Stderr, "gnark MSM benchmark:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*n, *repeats); err != nil {
		fmt.Fprintln(os.Stderr, "gnark benchmark:", err)
		os.Exit(1)
	}
}

func run(n, repeats int) error {
	mod := ecc.BN254.ScalarField()
	ccs, err := frontend.Compile(mod, r1cs.NewBuilder, &chain{n: n})
	if err != nil {
		return err
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		return err
	}
	x, y := big.NewInt(3), big.NewInt(3)
	for i := 0; i < n; i++ {
		y.Mul(y, y).Mod(y, mod)
	}
	w, err := frontend.NewWitness(&chain{X: x, Y: y, Nonce: n, n: n}, mod)
	if err != nil {
		return err
	}
	pub, err := w.Public()
	if err != nil {
		return err
	}
	res := result{Constraints: ccs.GetNbConstraints(), Valid: true}
	for i := 0; i < repeats; i++ {
		t := time.Now()
		proof, err := groth16.Prove(ccs, pk, w)
		if err != nil {
			return err
		}
		res.Runs = append(res.Runs, time.Since(t).Seconds())
		res.Valid = res.Valid && groth16.Verify(proof, vk, pub) == nil
	}
	sorted := append([]float64(nil), res.Runs...)
	sort.Float64s(sorted)
	res.ProveS = sorted[len(sorted)/2]
	return json.NewEncoder(os.Stdout).Encode(res)
}

type msmResult struct {
	N   int       `json:"n"`
	G1S []float64 `json:"g1_s"`
	G2S []float64 `json:"g2_s"`
}

// runMSM times gnark-crypto's MultiExp (its default configuration: every core) on n random
// points of G1 and G2 (random multiples of the generators) and n random scalars.
func runMSM(n, repeats int) error {
	_, _, g1, g2 := bn254.Generators()
	scalars := make([]fr.Element, n)
	for i := range scalars {
		scalars[i].SetRandom()
	}
	p1 := bn254.BatchScalarMultiplicationG1(&g1, scalars)
	p2 := bn254.BatchScalarMultiplicationG2(&g2, scalars)
	for i := range scalars {
		scalars[i].SetRandom()
	}
	res := msmResult{N: n}
	var r1 bn254.G1Jac
	var r2 bn254.G2Jac
	for i := 0; i < repeats; i++ {
		t := time.Now()
		if _, err := r1.MultiExp(p1, scalars, ecc.MultiExpConfig{}); err != nil {
			return err
		}
		res.G1S = append(res.G1S, time.Since(t).Seconds())
		t = time.Now()
		if _, err := r2.MultiExp(p2, scalars, ecc.MultiExpConfig{}); err != nil {
			return err
		}
		res.G2S = append(res.G2S, time.Since(t).Seconds())
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
