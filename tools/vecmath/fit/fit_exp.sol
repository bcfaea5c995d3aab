// Polynomials for e^r - 1 - r = r^2 P(r) on |r| <= 0.3466 (> ln2/2 plus the
// rounding slack of k = rint(x/ln2)); relative minimax via fpminimax.
// run: sollya fit_exp.sol
prec = 300;
I = [-0.3466; 0.3466];
f = exp(x) - 1 - x;
display = hexadecimal;
// float exp/expm1 (rf__expu_f): float coefficients, degree 7 (abs err 2.0e-10)
pf = fpminimax(f, [|2,3,4,5,6,7|], [|SG...|], I, relative);
print("rf__expu_f  ", pf); display = decimal;
print("   rel err", dirtyinfnorm(pf/f - 1, I), " abs err", dirtyinfnorm(pf - f, I)); display = hexadecimal;
// double exp for the float functions computed in double (rf__expu_lp): degree 7
pl = fpminimax(f, [|2,3,4,5,6,7|], [|D...|], I, relative);
print("rf__expu_lp ", pl); display = decimal;
print("   rel err", dirtyinfnorm(pl/f - 1, I), " abs err", dirtyinfnorm(pl - f, I)); display = hexadecimal;
// double exp (rf__expu_d, rf__expu2_d): degree 12
pd = fpminimax(f, [|2,3,4,5,6,7,8,9,10,11,12|], [|D...|], I, relative);
print("rf__expu_d  ", pd); display = decimal;
print("   rel err", dirtyinfnorm(pd/f - 1, I), " abs err", dirtyinfnorm(pd - f, I));
// double x <= 0 expm1 (rf_expm1_neg_d, the float64 ELU): degree 11, one term less
// (rel err of e^r - 1: 3.7e-17; the function measured 1.24 ulp worst against expm1l)
p11 = fpminimax(f, [|2,3,4,5,6,7,8,9,10,11|], [|D...|], I, relative);
display = hexadecimal; print("rf_expm1_neg_d", p11); display = decimal;
print("   rel err", dirtyinfnorm(p11/f - 1, I), " rel err of e^r - 1", dirtyinfnorm((p11 + x)/(exp(x) - 1) - 1, I));
