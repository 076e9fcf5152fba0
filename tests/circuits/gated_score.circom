pragma circom 2.1.0;

// A toy score gate: score = w0*x0 + w1*x1 + bias must equal the public output, and the public
// `borrower` input appears in no constraint (it is bound only by the QAP's binding rows).
template GatedScore() {
    signal input x[2];       // private features
    signal input borrower;   // public, unconstrained
    signal output score;     // public
    signal t;
    t <== x[0] * x[1];
    score <== t * 3 + x[0] * 7 + 11;
}

component main {public [borrower]} = GatedScore();
