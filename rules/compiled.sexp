; compiled from the rule files with digest 2e010233b7d7868008b17abe413c2037c69c9e78a7f9be350028b63583a267f0; written by rewrite/rules.py, do not edit
(rule add-comm (= (+ A B) (+ B A)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; algebra.rules:10
(rule add-assoc (= (+ (+ A B) C) (+ A (+ B C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; algebra.rules:11
(rule sub-def (= (- A B) (+ A (neg B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; algebra.rules:12
(rule neg-neg (= (neg (neg A)) A) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:13
(rule neg-add (= (neg (+ A B)) (+ (neg A) (neg B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; algebra.rules:14
(rule mul-assoc (= (* (* A B) C) (* A (* B C))) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if)) ; algebra.rules:15
(rule dist-left (= (* A (+ B C)) (+ (* A B) (* A C))) (vars (A ?A_r ?C_r) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; algebra.rules:16
(rule dist-right (= (* (+ A B) C) (+ (* A C) (* B C))) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if)) ; algebra.rules:17
(rule neg-mul-left (= (* (neg A) B) (neg (* A B))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if)) ; algebra.rules:18
(rule neg-mul-right (= (* A (neg B)) (neg (* A B))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if)) ; algebra.rules:19
(rule scale-neg (= (* s (neg A)) (neg (* s A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; algebra.rules:20
(rule scale-comm (= (* A s) (* s A)) (vars (A ?A_r ?A_c) (s 1 1)) (if (nonscalar A))) ; algebra.rules:21
(rule scale-left (= (* A (* s B)) (* s (* A B))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c) (s 1 1)) (if (nonscalar A))) ; algebra.rules:22
(rule scale-inv-left (= (* (* s (inv A)) B) (* s (* (inv A) B))) (vars (A ?B_r ?B_r) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential B))) ; algebra.rules:23
(rule scale-scale (= (* s (* t A)) (* (* s t) A)) (vars (A ?A_r ?A_c) (s 1 1) (t 1 1)) (if (nondifferential s))) ; algebra.rules:24
(rule scale-add (= (+ (* s A) (* t A)) (* (+ s t) A)) (vars (A ?A_r ?A_c) (s 1 1) (t 1 1)) (if)) ; algebra.rules:25
(rule scale-dist (= (* s (+ A B)) (+ (* s A) (* s B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if)) ; algebra.rules:26
(rule add-self (= (+ A A) (* 2 A)) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:27
(rule scale-one (= (* 1 A) A) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:28
(rule add-neg-self (= (+ A (neg A)) (zeros ?A_r ?A_c)) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:29
(rule add-zero (= (+ A Z) A) (vars (A ?Z_r ?Z_c) (Z ?Z_r ?Z_c)) (if (zero Z))) ; algebra.rules:30
(rule zero-add (= (+ Z A) A) (vars (A ?A_r ?A_c) (Z ?A_r ?A_c)) (if (zero Z))) ; algebra.rules:31
(rule sub-zero (= (- A Z) A) (vars (A ?Z_r ?Z_c) (Z ?Z_r ?Z_c)) (if (zero Z))) ; algebra.rules:32
(rule zero-sub (= (- Z A) (neg A)) (vars (A ?A_r ?A_c) (Z ?A_r ?A_c)) (if (zero Z))) ; algebra.rules:33
(rule zero-mul-left (= (* Z A) (zeros ?Z_r ?A_c)) (vars (A ?A_r ?A_c) (Z ?Z_r ?A_r)) (if (zero Z))) ; algebra.rules:34
(rule zero-mul-right (= (* A Z) (zeros ?A_r ?Z_c)) (vars (A ?A_r ?Z_r) (Z ?Z_r ?Z_c)) (if (zero Z))) ; algebra.rules:35
(rule zero-scale (= (* z A) (zeros ?A_r ?A_c)) (vars (A ?A_r ?A_c) (z 1 1)) (if (zero z))) ; algebra.rules:36
(rule scale-zero (= (* s Z) (zeros ?Z_r ?Z_c)) (vars (Z ?Z_r ?Z_c) (s 1 1)) (if (zero Z))) ; algebra.rules:37
(rule neg-zero (= (neg Z) (zeros ?Z_r ?Z_c)) (vars (Z ?Z_r ?Z_c)) (if (zero Z))) ; algebra.rules:38
(rule mul-id-left (= (* (I ?A_r) A) A) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:39
(rule mul-id-right (= (* A (I ?A_c)) A) (vars (A ?A_r ?A_c)) (if)) ; algebra.rules:40
(rule div-def (= (/ A s) (* (/ 1 s) A)) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; algebra.rules:41
(rule s-div-s (= (/ s s) 1) (vars (s 1 1)) (if (invertible s))) ; algebra.rules:42
(rule div-cancel (= (/ (* s t) s) t) (vars (s 1 1) (t 1 1)) (if (invertible s))) ; algebra.rules:43
(rule div-cancel-r (= (/ (* t s) s) t) (vars (s 1 1) (t 1 1)) (if (invertible s))) ; algebra.rules:44
(rule div-scale (= (/ (* s A) t) (* (/ s t) A)) (vars (A ?A_r ?A_c) (s 1 1) (t 1 1)) (if (nonscalar A))) ; algebra.rules:45
(rule div-neg (= (/ (neg A) s) (neg (/ A s))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; algebra.rules:46
(rule div-div (= (/ (/ A s) t) (/ A (* s t))) (vars (A ?A_r ?A_c) (s 1 1) (t 1 1)) (if)) ; algebra.rules:47
(rule div-mul-div (= (* (/ A s) (/ B t)) (/ (* A B) (* s t))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c) (s 1 1) (t 1 1)) (if)) ; algebra.rules:48
(rule pow-zero (= (^ A 0) (I ?A_r)) (vars (A ?A_r ?A_r)) (if (square A))) ; algebra.rules:49
(rule pow-one (= (^ A 1) A) (vars (A ?A_c ?A_c)) (if)) ; algebra.rules:50
(rule pow-succ (= (^ A 2) (* A A)) (vars (A ?A_c ?A_c)) (if (nonscalar A))) ; algebra.rules:51
(rule pow-three (= (^ A 3) (* (* A A) A)) (vars (A ?A_c ?A_c)) (if (nonscalar A))) ; algebra.rules:52
(rule size-pow-succ (= (* (pow c (- (size ?size_n) 1)) c) (pow c (size ?size_n))) (vars (c 1 1)) (if)) ; algebra.rules:55
(rule size-pow-add (= (* (pow c (size ?size_m)) (pow c (size ?size_n))) (pow c (+ (size ?size_m) (size ?size_n)))) (vars (c 1 1)) (if)) ; algebra.rules:56
(rule size-pow-mul (= (pow (* a b) (size ?size_n)) (* (pow a (size ?size_n)) (pow b (size ?size_n)))) (vars (a 1 1) (b 1 1)) (if)) ; algebra.rules:57
(rule size-pow-neg (= (pow (neg c) (size ?size_n)) (* (pow (neg 1) (size ?size_n)) (pow c (size ?size_n)))) (vars (c 1 1)) (if)) ; algebra.rules:58
(rule size-pow-one (= (pow 1 (size ?size_n)) 1) (vars) (if)) ; algebra.rules:59
(rule size-pow-twice (= (* (pow (neg 1) (size ?size_n)) (pow (neg 1) (size ?size_n))) 1) (vars) (if)) ; algebra.rules:60
(rule det-mul (= (det (* A B)) (* (det A) (det B))) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (square A) (square B))) ; determinant.rules:5
(rule det-tp (= (det (T A)) (det A)) (vars (A ?A_r ?A_r)) (if)) ; determinant.rules:6
(rule det-inv (= (det (inv A)) (/ 1 (det A))) (vars (A ?A_r ?A_r)) (if (invertible A))) ; determinant.rules:7
(rule det-id (= (det (I ?1)) 1) (vars) (if)) ; determinant.rules:8
(rule det-scalar (= (det s) s) (vars (s 1 1)) (if)) ; determinant.rules:9
(rule det-orthogonal (= (^ (det A) 2) 1) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; determinant.rules:10
(rule logdet-mul (= (logdet (* A B)) (+ (logdet A) (logdet B))) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; determinant.rules:11
(rule logdet-inv (= (logdet (inv A)) (neg (logdet A))) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:12
(rule logdet-tp (= (logdet (T A)) (logdet A)) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:13
(rule logdet-id (= (logdet (I ?1)) 0) (vars) (if)) ; determinant.rules:14
(rule det-lemma (= (det (+ A (* x (T y)))) (* (+ 1 (* (* (T y) (inv A)) x)) (det A))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y))) ; determinant.rules:15
(rule sylvester-det (= (det (+ (I ?B_c) (* A B))) (det (+ (I ?B_r) (* B A)))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if)) ; determinant.rules:16
(rule logdet-log (= (logdet A) (log (det A))) (vars (A ?A_c ?A_c)) (if)) ; determinant.rules:17
(rule det-lemma-minus (= (det (- A (* x (T y)))) (* (- 1 (* (* (T y) (inv A)) x)) (det A))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y))) ; determinant.rules:18
(rule det-lemma-gen (= (det (+ A (* (* U C) V))) (* (* (det (+ (inv C) (* (* V (inv A)) U))) (det C)) (det A))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C))) ; determinant.rules:20
(rule logdet-lemma (= (logdet (+ A (* x (T y)))) (+ (logdet A) (log (+ 1 (* (* (T y) (inv A)) x))))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (+ A (* x (T y)))))) ; determinant.rules:23
(rule logdet-lemma-gen (= (logdet (+ A (* (* U C) V))) (+ (+ (logdet A) (logdet C)) (logdet (+ (inv C) (* (* V (inv A)) U))))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C) (invertible (+ A (* (* U C) V))))) ; determinant.rules:24
(rule logdet-lemma-uv (= (logdet (+ A (* U V))) (+ (logdet A) (logdet (+ (I ?V_r) (* (* V (inv A)) U))))) (vars (A ?V_c ?V_c) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible (+ A (* U V))))) ; determinant.rules:25
(rule logdet-sylvester (= (logdet (+ (I ?B_c) (* A B))) (logdet (+ (I ?B_r) (* B A)))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if)) ; determinant.rules:26
(rule det-pow2 (= (det (^ A 2)) (^ (det A) 2)) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:28
(rule det-pow3 (= (det (^ A 3)) (^ (det A) 3)) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:29
(rule logdet-pow2 (= (logdet (^ A 2)) (* 2 (logdet A))) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:30
(rule logdet-pow3 (= (logdet (^ A 3)) (* 3 (logdet A))) (vars (A ?A_r ?A_r)) (if (square A))) ; determinant.rules:31
(rule det-kalman (= (det (- P (* (* (* (* P (T H)) (inv (+ (* (* H P) (T H)) R))) H) P))) (/ (* (det P) (det R)) (det (+ (* (* H P) (T H)) R)))) (vars (H ?R_r ?H_c) (P ?H_c ?H_c) (R ?R_r ?R_r)) (if (invertible P) (invertible R) (invertible (+ (* (* H P) (T H)) R)))) ; determinant.rules:35
(rule logdet-kalman (= (logdet (- P (* (* (* (* P (T H)) (inv (+ (* (* H P) (T H)) R))) H) P))) (- (+ (logdet P) (logdet R)) (logdet (+ (* (* H P) (T H)) R)))) (vars (H ?R_r ?H_c) (P ?H_c ?H_c) (R ?R_r ?R_r)) (if (invertible P) (invertible R) (invertible (+ (* (* H P) (T H)) R)))) ; determinant.rules:36
(rule det-smul (= (det (* c A)) (* (pow c (size ?size_n)) (det A))) (vars (A ?size_n ?size_n) (c 1 1)) (if)) ; determinant.rules:39
(rule det-neg (= (det (neg A)) (* (pow (neg 1) (size ?size_n)) (det A))) (vars (A ?size_n ?size_n)) (if)) ; determinant.rules:40
(rule logdet-smul (= (logdet (* c A)) (+ (* (size ?size_n) (log c)) (logdet A))) (vars (A ?size_n ?size_n) (c 1 1)) (if (nonzero c) (invertible A))) ; determinant.rules:43
(rule det-kron (= (det (kron A B)) (* (pow (det A) (size ?size_q)) (pow (det B) (size ?size_p)))) (vars (A ?size_p ?size_p) (B ?size_q ?size_q)) (if)) ; determinant.rules:45
(rule logdet-kron (= (logdet (kron A B)) (+ (* (size ?size_q) (logdet A)) (* (size ?size_p) (logdet B)))) (vars (A ?size_p ?size_p) (B ?size_q ?size_q)) (if (invertible A) (invertible B))) ; determinant.rules:47
(rule d-add (= (d (+ A B)) (+ (d A) (d B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:11
(rule d-sub (= (d (- A B)) (- (d A) (d B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:12
(rule d-neg (= (d (neg A)) (neg (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:13
(rule d-mul (= (d (* A B)) (+ (* (d A) B) (* A (d B)))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:14
(rule d-scale (= (d (* s A)) (+ (* (d s) A) (* s (d A)))) (vars (A ?A_r ?A_c) (s 1 1)) (if (smooth s) (smooth A))) ; differential.rules:15
(rule d-tp (= (d (T A)) (T (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:16
(rule d-frob (= (d (: A B)) (+ (: (d A) B) (: A (d B)))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:17
(rule d-had (= (d (had A B)) (+ (had (d A) B) (had A (d B)))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:18
(rule d-kron (= (d (kron A B)) (+ (kron (d A) B) (kron A (d B)))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B))) ; differential.rules:19
(rule d-div (= (d (/ A s)) (- (/ (d A) s) (* (/ (d s) (* s s)) A))) (vars (A ?A_r ?A_c) (s 1 1)) (if (smooth A) (smooth s) (invertible s))) ; differential.rules:20
(rule d-tr (= (d (tr A)) (tr (d A))) (vars (A ?A_c ?A_c)) (if (smooth A))) ; differential.rules:21
(rule d-sum (= (d (sum A)) (sum (d A))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; differential.rules:22
(rule d-vec (= (d (vec A)) (vec (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:23
(rule d-diag (= (d (diag x)) (diag (d x))) (vars (x ?x_r 1)) (if (vector x))) ; differential.rules:24
(rule d-diag-sq (= (d (diag X)) (diag (d X))) (vars (X ?X_r ?X_r)) (if (square X))) ; differential.rules:25
(rule d-inv (= (d (inv A)) (* (* (neg (inv A)) (d A)) (inv A))) (vars (A ?A_r ?A_r)) (if (invertible A) (smooth A))) ; differential.rules:26
(rule d-det (= (d (det A)) (* (det A) (tr (* (inv A) (d A))))) (vars (A ?A_r ?A_r)) (if (invertible A) (smooth A))) ; differential.rules:27
(rule d-logdet (= (d (logdet A)) (tr (* (inv A) (d A)))) (vars (A ?A_r ?A_r)) (if (invertible A) (smooth A))) ; differential.rules:28
(rule d-norm2 (= (d (norm2 A)) (: (* 2 A) (d A))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; differential.rules:29
(rule d-norm (= (d (norm A)) (/ (: A (d A)) (norm A))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; differential.rules:30
(rule d-pow2 (= (d (^ A 2)) (+ (* (d A) A) (* A (d A)))) (vars (A ?A_c ?A_c)) (if (smooth A))) ; differential.rules:31
(rule d-const (= (d C) (zeros ?C_r ?C_c)) (vars (C ?C_r ?C_c)) (if (const C))) ; differential.rules:32
(rule d-exp (= (d (exp A)) (had (exp A) (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:33
(rule d-step (= (d (step A)) (zeros ?A_r ?A_c)) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:36
(rule d-log-div (= (d (log (/ A s))) (- (hdiv (d A) A) (* (/ (d s) s) (ones ?A_r ?A_c)))) (vars (A ?A_r ?A_c) (s 1 1)) (if (smooth A) (smooth s) (nonzero A) (nonzero s))) ; differential.rules:40
(rule d-log-hdiv (= (d (log (hdiv A B))) (- (hdiv (d A) A) (hdiv (d B) B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B) (nonzero A) (nonzero B))) ; differential.rules:41
(rule d-log (= (d (log A)) (hdiv (d A) A)) (vars (A ?A_r ?A_c)) (if (smooth A))) ; differential.rules:42
(rule d-sqrt (= (d (sqrt A)) (hdiv (d A) (* 2 (sqrt A)))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; differential.rules:43
(rule d-sigmoid (= (d (sigmoid A)) (had (had (sigmoid A) (sigmoid (neg A))) (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:44
(rule d-tanh (= (d (tanh A)) (had (- (ones ?A_r ?A_c) (had (tanh A) (tanh A))) (d A))) (vars (A ?A_r ?A_c)) (if)) ; differential.rules:45
(rule d-hdiv (= (d (hdiv A B)) (- (hdiv (d A) B) (hdiv (had A (d B)) (had B B)))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (smooth A) (smooth B) (nonzero B))) ; differential.rules:46
(rule exp-log (= (exp (log A)) A) (vars (A ?A_r ?A_c)) (if (positive A))) ; elementwise.rules:6
(rule log-exp (= (log (exp A)) A) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:7
(rule sigmoid-neg (= (sigmoid (neg A)) (- (ones ?A_r ?A_c) (sigmoid A))) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:8
(rule hdiv-self (= (hdiv A A) (ones ?A_r ?A_c)) (vars (A ?A_r ?A_c)) (if (nonzero A))) ; elementwise.rules:9
(rule hdiv-cancel (= (hdiv (had A B) A) B) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (nonzero A))) ; elementwise.rules:10
(rule hdiv-cancel-r (= (hdiv (had B A) A) B) (vars (A ?A_r ?A_c) (B ?A_r ?A_c)) (if (nonzero A))) ; elementwise.rules:11
(rule had-hdiv (= (had A (hdiv B C)) (hdiv (had A B) C)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; elementwise.rules:12
(rule hdiv-scalar (= (hdiv s t) (/ s t)) (vars (s 1 1) (t 1 1)) (if)) ; elementwise.rules:13
(rule had-ones (= (had (ones ?A_r ?A_c) A) A) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:14
(rule had-ones-r (= (had A (ones ?A_r ?A_c)) A) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:15
(rule sum-ones (= (sum A) (: (ones ?A_r ?A_c) A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:16
(rule sigmoid-sum (= (+ (sigmoid A) (sigmoid (neg A))) (ones ?A_r ?A_c)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:17
(rule had-ones-one (= (had s (ones 1)) s) (vars (s 1 1)) (if)) ; elementwise.rules:18
(rule hdiv-neg (= (hdiv (neg A) B) (neg (hdiv A B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; elementwise.rules:19
(rule hdiv-d (= (hdiv (had A B) C) (had (hdiv A C) B)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (nondifferential A) (differential B) (nondifferential C))) ; elementwise.rules:20
(rule ones-tp (= (T (ones ?4 ?3)) (ones ?3 ?4)) (vars) (if)) ; elementwise.rules:21
(rule sigmoid-exp (= (hdiv (exp A) (+ (ones ?A_r ?A_c) (exp A))) (sigmoid A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:22
(rule sigmoid-exp-r (= (hdiv (exp A) (+ (exp A) (ones ?A_r ?A_c))) (sigmoid A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:23
(rule sigmoid-exp-s (= (/ (exp s) (+ 1 (exp s))) (sigmoid s)) (vars (s 1 1)) (if)) ; elementwise.rules:24
(rule exp-add (= (exp (+ A B)) (had (exp A) (exp B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; elementwise.rules:25
(rule sum-bilinear (= (sum A) (* (* (T (ones ?A_r)) A) (ones ?A_c))) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:26
(rule tanh-sigmoid (= (tanh A) (- (* 2 (sigmoid (* 2 A))) (ones ?A_r ?A_c))) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:27
(rule log-mul (= (log (* s t)) (+ (log s) (log t))) (vars (s 1 1) (t 1 1)) (if (nonzero s) (nonzero t))) ; elementwise.rules:32
(rule log-scale (= (log (* s A)) (+ (* (log s) (ones ?A_r ?A_c)) (log A))) (vars (A ?A_r ?A_c) (s 1 1)) (if (nonscalar A) (nonzero s) (nonzero A))) ; elementwise.rules:33
(rule log-had (= (log (had A B)) (+ (log A) (log B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (nonzero A) (nonzero B))) ; elementwise.rules:34
(rule log-div (= (log (/ A s)) (- (log A) (* (log s) (ones ?A_r ?A_c)))) (vars (A ?A_r ?A_c) (s 1 1)) (if (nonzero A) (nonzero s))) ; elementwise.rules:35
(rule log-hdiv (= (log (hdiv A B)) (- (log A) (log B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (nonzero A) (nonzero B))) ; elementwise.rules:36
(rule log-outer-ones (= (log (* x (ones 1 ?4))) (* (log x) (ones 1 ?4))) (vars (x ?x_r 1)) (if (vector x))) ; elementwise.rules:37
(rule log-ones (= (log (ones ?3 ?4)) (zeros ?3 ?4)) (vars) (if)) ; elementwise.rules:38
(rule exp-scale-ones (= (exp (* s (ones ?3 ?4))) (* (exp s) (ones ?3 ?4))) (vars (s 1 1)) (if)) ; elementwise.rules:41
(rule exp-neg-scale-ones (= (exp (neg (* s (ones ?3 ?4)))) (* (exp (neg s)) (ones ?3 ?4))) (vars (s 1 1)) (if)) ; elementwise.rules:42
(rule hdiv-scale-ones (= (hdiv A (* s (ones ?A_r ?A_c))) (/ A s)) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; elementwise.rules:43
(rule log-sigmoid (= (log (sigmoid A)) (- A (log (+ (ones ?A_r ?A_c) (exp A))))) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:46
(rule log-sigmoid-s (= (log (sigmoid s)) (- s (log (+ 1 (exp s))))) (vars (s 1 1)) (if)) ; elementwise.rules:47
(rule log-sigmoid-comp (= (log (- (ones ?A_r ?A_c) (sigmoid A))) (neg (log (+ (ones ?A_r ?A_c) (exp A))))) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:48
(rule log-sigmoid-comp-s (= (log (- 1 (sigmoid s))) (neg (log (+ 1 (exp s))))) (vars (s 1 1)) (if)) ; elementwise.rules:49
(rule softplus-neg (= (log (+ (ones ?A_r ?A_c) (exp (neg A)))) (- (log (+ (ones ?A_r ?A_c) (exp A))) A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:50
(rule softplus-neg-s (= (log (+ 1 (exp (neg s)))) (- (log (+ 1 (exp s))) s)) (vars (s 1 1)) (if)) ; elementwise.rules:51
(rule sigmoid-recip (= (hdiv (ones ?A_r ?A_c) (+ (ones ?A_r ?A_c) (exp (neg A)))) (sigmoid A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:52
(rule sigmoid-recip-s (= (/ 1 (+ 1 (exp (neg s)))) (sigmoid s)) (vars (s 1 1)) (if)) ; elementwise.rules:53
(rule sum-scale (= (sum (* s A)) (* s (sum A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; elementwise.rules:56
(rule ones-sum (= (* (* (ones 1 ?A_r) A) (ones ?A_c)) (sum A)) (vars (A ?A_r ?A_c)) (if)) ; elementwise.rules:57
(rule ones-sum-left (= (* (ones 1 ?x_r) x) (sum x)) (vars (x ?x_r 1)) (if (vector x))) ; elementwise.rules:58
(rule ones-sum-right (= (* (T x) (ones ?x_r)) (sum x)) (vars (x ?x_r 1)) (if (vector x))) ; elementwise.rules:59
(rule hdiv-outer-ones1 (= (* (hdiv (ones ?x_r) x) (ones 1 ?8)) (hdiv (ones ?x_r ?8) (* x (ones 1 ?8)))) (vars (x ?x_r 1)) (if (vector x))) ; elementwise.rules:64
(rule hdiv-outer-ones (= (* (hdiv x y) (ones 1 ?6)) (hdiv (* x (ones 1 ?6)) (* y (ones 1 ?6)))) (vars (x ?y_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; elementwise.rules:65
(rule hdiv-had-out (= (had (hdiv A B) C) (hdiv (had A C) B)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (nondifferential C))) ; elementwise.rules:66
(rule hdiv-had-out-r (= (had C (hdiv A B)) (hdiv (had C A) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (C ?B_r ?B_c)) (if (nondifferential C))) ; elementwise.rules:67
(rule hdiv-rowsum (= (* (hdiv A (* x (ones 1 ?A_c))) (ones ?A_c)) (hdiv (* A (ones ?A_c)) x)) (vars (A ?x_r ?A_c) (x ?x_r 1)) (if (vector x))) ; elementwise.rules:68
(rule hdiv-zero (= (hdiv Z A) (zeros ?A_r ?A_c)) (vars (A ?A_r ?A_c) (Z ?A_r ?A_c)) (if (zero Z))) ; elementwise.rules:69
(rule hdiv-hdiv (= (hdiv (hdiv A B) C) (hdiv A (had B C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; elementwise.rules:70
(rule ones-outer-assoc (= (* (* x (ones 1 ?A_r)) A) (* x (* (ones 1 ?A_r) A))) (vars (A ?A_r ?A_c) (x ?x_r 1)) (if (vector x) (nondifferential A))) ; elementwise.rules:73
(rule log-outer-ones-left (= (log (* (ones ?3) x)) (* (ones ?3) (log x))) (vars (x 1 ?x_c)) (if (row x))) ; elementwise.rules:74
(rule hdiv-outer-ones1-left (= (* (ones ?7) (hdiv (ones 1 ?x_c) x)) (hdiv (ones ?7 ?x_c) (* (ones ?7) x))) (vars (x 1 ?x_c)) (if (row x))) ; elementwise.rules:75
(rule hdiv-outer-ones-left (= (* (ones ?5) (hdiv x y)) (hdiv (* (ones ?5) x) (* (ones ?5) y))) (vars (x 1 ?y_c) (y 1 ?y_c)) (if (row x) (row y))) ; elementwise.rules:76
(rule hdiv-colsum (= (* (ones 1 ?A_r) (hdiv A (* (ones ?A_r) x))) (hdiv (* (ones 1 ?A_r) A) x)) (vars (A ?A_r ?x_c) (x 1 ?x_c)) (if (row x))) ; elementwise.rules:77
(rule frob-trace (= (: A B) (tr (* (T A) B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; frobenius.rules:5
(rule frob-comm (= (: A B) (: B A)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; frobenius.rules:6
(rule frob-tp (= (: A B) (: (T A) (T B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; frobenius.rules:7
(rule frob-mul-left (= (: A (* B C)) (: (* (T B) A) C)) (vars (A ?B_r ?C_c) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if)) ; frobenius.rules:8
(rule frob-mul-right (= (: A (* B C)) (: (* A (T C)) B)) (vars (A ?B_r ?C_c) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if)) ; frobenius.rules:9
(rule frob-add (= (: A (+ B C)) (+ (: A B) (: A C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; frobenius.rules:10
(rule frob-sub (= (: A (- B C)) (- (: A B) (: A C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; frobenius.rules:11
(rule frob-neg (= (: A (neg B)) (neg (: A B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; frobenius.rules:12
(rule frob-scale (= (: A (* s B)) (* s (: A B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if)) ; frobenius.rules:13
(rule frob-had (= (: A (had B C)) (: (had A B) C)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; frobenius.rules:14
(rule frob-zero (= (: A Z) 0) (vars (A ?Z_r ?Z_c) (Z ?Z_r ?Z_c)) (if (zero Z))) ; frobenius.rules:15
(rule frob-inner (= (* (T x) y) (: x y)) (vars (x ?y_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; frobenius.rules:16
(rule frob-scalar (= (: s t) (* s t)) (vars (s 1 1) (t 1 1)) (if)) ; frobenius.rules:17
(rule norm2-def (= (norm2 A) (: A A)) (vars (A ?A_r ?A_c)) (if)) ; frobenius.rules:18
(rule norm-def (= (norm A) (sqrt (: A A))) (vars (A ?A_r ?A_c)) (if)) ; frobenius.rules:19
(rule norm-sq (= (^ (norm A) 2) (norm2 A)) (vars (A ?A_r ?A_c)) (if)) ; frobenius.rules:20
(rule frob-d-swap (= (: A B) (: B A)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (differential A) (nondifferential B))) ; frobenius.rules:25
(rule frob-d-left (= (: A (* B C)) (: (* (T B) A) C)) (vars (A ?B_r ?C_c) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (nondifferential B) (differential C))) ; frobenius.rules:26
(rule frob-d-right (= (: A (* B C)) (: (* A (T C)) B)) (vars (A ?B_r ?C_c) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential B) (nondifferential C))) ; frobenius.rules:27
(rule frob-d-tp (= (: A (T B)) (: (T A) B)) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if (differential B))) ; frobenius.rules:28
(rule frob-d-had (= (: A (had B C)) (: (had A B) C)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (nondifferential B) (differential C))) ; frobenius.rules:29
(rule frob-d-had-r (= (: A (had C B)) (: (had A B) C)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (C ?B_r ?B_c)) (if (nondifferential B) (differential C))) ; frobenius.rules:30
(rule frob-d-scale (= (* s (: A B)) (: (* s A) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential s) (differential B))) ; frobenius.rules:31
(rule frob-d-scale-in (= (: A (* s B)) (: (* s A) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential s) (differential B))) ; frobenius.rules:32
(rule frob-d-scalar (= (: A (* s B)) (: (: A B) s)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (differential s) (nondifferential B))) ; frobenius.rules:33
(rule frob-d-neg (= (neg (: A B)) (: (neg A) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (differential B))) ; frobenius.rules:34
(rule frob-d-collect (= (+ (: A C) (: B C)) (: (+ A B) C)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:35
(rule tr-d (= (tr A) (: (I ?A_c) A)) (vars (A ?A_c ?A_c)) (if (differential A))) ; frobenius.rules:36
(rule frob-d-nest (= (: s (: A B)) (: (* s A) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential s) (differential B))) ; frobenius.rules:37
(rule inner-d (= (* A B) (: (T A) B)) (vars (A 1 ?B_r) (B ?B_r 1)) (if (row A) (nonscalar A) (vector B) (differential B))) ; frobenius.rules:38
(rule inner-d-left (= (* A B) (: (T B) A)) (vars (A 1 ?B_r) (B ?B_r 1)) (if (row A) (vector B) (nonscalar B) (differential A))) ; frobenius.rules:39
(rule scalar-d (= (* s t) (: s t)) (vars (s 1 1) (t 1 1)) (if (nondifferential s) (differential t))) ; frobenius.rules:40
(rule frob-d-div (= (/ (: A B) s) (: (/ A s) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential s) (differential B))) ; frobenius.rules:41
(rule frob-d-div-in (= (: A (/ B s)) (: (/ A s) B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if (nondifferential s) (differential B))) ; frobenius.rules:42
(rule scalar-d-div (= (/ (* s C) t) (* (/ s t) C)) (vars (C ?C_r ?C_c) (s 1 1) (t 1 1)) (if (nondifferential s) (differential C) (nondifferential t))) ; frobenius.rules:43
(rule scalar-d-left (= (* s t) (: t s)) (vars (s 1 1) (t 1 1)) (if (differential s) (nondifferential t))) ; frobenius.rules:44
(rule frob-d-collect-sub (= (- (: A C) (: B C)) (: (- A B) C)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:45
(rule frob-d-hdiv (= (: A (hdiv B C)) (: (hdiv A C) B)) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if (differential B) (nondifferential C))) ; frobenius.rules:46
(rule sum-d (= (sum A) (: (ones ?A_r ?A_c) A)) (vars (A ?A_r ?A_c)) (if (differential A))) ; frobenius.rules:47
(rule norm-mul-self (= (* (norm A) (norm A)) (: A A)) (vars (A ?A_r ?A_c)) (if)) ; frobenius.rules:48
(rule norm-pow3 (= (^ (norm A) 3) (* (norm A) (norm2 A))) (vars (A ?A_r ?A_c)) (if)) ; frobenius.rules:49
(rule frob-d-diag (= (: A (diag B)) (: (* (had (I ?B_r) A) (ones ?B_r)) B)) (vars (A ?B_r ?B_r) (B ?B_r 1)) (if (vector B) (differential B))) ; frobenius.rules:52
(rule frob-d-diag-sq (= (: a (diag X)) (: (diag a) X)) (vars (X ?X_r ?X_r) (a ?X_r 1)) (if (vector a) (square X) (differential X))) ; frobenius.rules:53
(rule jac-d-assoc (= (* A (* B C)) (* (* A B) C)) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (nondifferential B) (differential C))) ; frobenius.rules:56
(rule jac-d-scale (= (* s (* B C)) (* (* s B) C)) (vars (B ?B_r ?C_r) (C ?C_r ?C_c) (s 1 1)) (if (nondifferential B) (differential C))) ; frobenius.rules:57
(rule jac-d-collect (= (+ (* A C) (* B C)) (* (+ A B) C)) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:58
(rule jac-d-collect-sub (= (- (* A C) (* B C)) (* (- A B) C)) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:59
(rule jac-d-outer (= (* (: x y) z) (* (* z (T x)) y)) (vars (x ?y_r 1) (y ?y_r 1) (z ?z_r 1)) (if (vector x) (vector y) (vector z) (nondifferential x) (differential y) (nondifferential z))) ; frobenius.rules:60
(rule jac-d-collect-s (= (+ (* A C) (* s C)) (* (+ A (* s (I ?C_r))) C)) (vars (A ?C_r ?C_r) (C ?C_r ?C_c) (s 1 1)) (if (nonscalar A) (differential C))) ; frobenius.rules:61
(rule jac-d-collect-s2 (= (+ (* s C) (* A C)) (* (+ (* s (I ?A_r)) A) C)) (vars (A ?A_r ?A_r) (C ?A_r ?C_c) (s 1 1)) (if (nonscalar A) (differential C))) ; frobenius.rules:62
(rule jac-d-collect-s3 (= (- (* A C) (* s C)) (* (- A (* s (I ?C_r))) C)) (vars (A ?C_r ?C_r) (C ?C_r ?C_c) (s 1 1)) (if (nonscalar A) (differential C))) ; frobenius.rules:63
(rule jac-d-collect-s4 (= (- (* s C) (* A C)) (* (- (* s (I ?A_r)) A) C)) (vars (A ?A_r ?A_r) (C ?A_r ?C_c) (s 1 1)) (if (nonscalar A) (differential C))) ; frobenius.rules:64
(rule jac-d-div (= (/ C s) (* (/ 1 s) C)) (vars (C ?C_r ?C_c) (s 1 1)) (if (differential C) (nonscalar C))) ; frobenius.rules:65
(rule jac-d-add-neg (= (+ (* A C) (neg (* B C))) (* (- A B) C)) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:66
(rule jac-d-neg-add (= (+ (neg (* A C)) (* B C)) (* (- B A) C)) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:67
(rule jac-d-neg-sub (= (- (neg (* A C)) (* B C)) (neg (* (+ A B) C))) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:68
(rule jac-d-sub-neg (= (- (* A C) (neg (* B C))) (* (+ A B) C)) (vars (A ?B_r ?C_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential C))) ; frobenius.rules:69
(rule had-comm (= (had A B) (had B A)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; hadamard.rules:4
(rule had-assoc (= (had (had A B) C) (had A (had B C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; hadamard.rules:5
(rule had-dist (= (had A (+ B C)) (+ (had A B) (had A C))) (vars (A ?C_r ?C_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; hadamard.rules:6
(rule had-neg (= (had A (neg B)) (neg (had A B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; hadamard.rules:7
(rule had-scale (= (had A (* s B)) (* s (had A B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (s 1 1)) (if)) ; hadamard.rules:8
(rule had-tp (= (T (had A B)) (had (T A) (T B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; hadamard.rules:9
(rule had-zero (= (had A Z) (zeros ?Z_r ?Z_c)) (vars (A ?Z_r ?Z_c) (Z ?Z_r ?Z_c)) (if (zero Z))) ; hadamard.rules:10
(rule had-scalar (= (had s t) (* s t)) (vars (s 1 1) (t 1 1)) (if)) ; hadamard.rules:11
(rule had-diag (= (* (diag x) y) (had x y)) (vars (x ?y_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; hadamard.rules:12
(rule sum-frob (= (sum (had A B)) (: A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; hadamard.rules:13
(rule tr-diag (= (tr (diag x)) (sum x)) (vars (x ?x_r 1)) (if (vector x))) ; hadamard.rules:14
(rule diag-mul (= (* (diag x) (diag y)) (diag (had x y))) (vars (x ?y_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; hadamard.rules:15
(rule diag-tp (= (T (diag x)) (diag x)) (vars (x ?x_r 1)) (if (vector x))) ; hadamard.rules:16
(rule diag-commute (= (* D E) (* E D)) (vars (D ?E_r ?E_r) (E ?E_r ?E_r)) (if (diagonal D) (diagonal E) (square D) (square E))) ; hadamard.rules:17
(rule diag-sandwich (= (* (* (diag x) A) (diag y)) (had A (* x (T y)))) (vars (A ?A_r ?y_r) (x ?A_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; hadamard.rules:18
(rule had-bilinear (= (* (* (T x) (had A B)) y) (tr (* (* (* (diag x) A) (diag y)) (T B)))) (vars (A ?B_r ?y_r) (B ?B_r ?y_r) (x ?B_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; hadamard.rules:19
(rule diag-inv (= (inv (diag x)) (diag (hdiv (ones ?x_r) x))) (vars (x ?x_r 1)) (if (vector x) (nonzero x))) ; hadamard.rules:20
(rule had-id-sandwich (= (* (had (I ?B_c) (* (* A (diag x)) B)) (ones ?B_c)) (* (had A (T B)) x)) (vars (A ?B_c ?B_r) (B ?B_r ?B_c) (x ?B_r 1)) (if (vector x))) ; hadamard.rules:23
(rule had-id-diag (= (had (I ?x_r) (diag x)) (diag x)) (vars (x ?x_r 1)) (if (vector x))) ; hadamard.rules:24
(rule diag-ones (= (* (diag x) (ones ?x_r)) x) (vars (x ?x_r 1)) (if (vector x))) ; hadamard.rules:25
(rule diag-inv-nf (= (inv (diag x)) (diag (hdiv (ones ?x_r) x))) (vars (x ?x_r 1)) (if (vector x) (nonzero x))) ; hadamard.rules:26
(rule had-diag-diag (= (had (diag x) (diag y)) (diag (had x y))) (vars (x ?y_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; hadamard.rules:27
(rule diag-diag (= (diag (diag x)) x) (vars (x ?x_r 1)) (if (vector x))) ; hadamard.rules:30
(rule diag-of-square (= (diag X) (* (had (I ?X_r) X) (ones ?X_r))) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:31
(rule tr-ones-diag (= (* (T (ones ?X_r)) (diag X)) (tr X)) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:32
(rule sum-diag-sq (= (sum (diag X)) (tr X)) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:33
(rule diag-sq-tp (= (diag (T X)) (diag X)) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:34
(rule diag-sq-had-id (= (diag (had (I ?X_r) X)) (diag X)) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:35
(rule diag-sq-had (= (diag (had X Y)) (had (diag X) (diag Y))) (vars (X ?Y_c ?Y_c) (Y ?Y_c ?Y_c)) (if (square X))) ; hadamard.rules:36
(rule diag-sq-diag (= (diag (diag (diag X))) (diag X)) (vars (X ?X_r ?X_r)) (if (square X))) ; hadamard.rules:37
(rule diag-sq-outer (= (diag (* x (T y))) (had x y)) (vars (x 1 1) (y 1 1)) (if (vector x) (vector y))) ; hadamard.rules:38
(rule diag-sq-id (= (diag (I ?2)) (ones ?2)) (vars) (if)) ; hadamard.rules:39
(rule diag-ones-id (= (diag (ones ?3)) (I ?3)) (vars) (if)) ; hadamard.rules:40
(rule inv-left (= (* (inv A) A) (I ?A_r)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; inverse.rules:8
(rule inv-right (= (* A (inv A)) (I ?A_r)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; inverse.rules:9
(rule inv-inv (= (inv (inv A)) A) (vars (A ?A_r ?A_r)) (if (invertible A))) ; inverse.rules:10
(rule inv-mul (= (inv (* A B)) (* (inv B) (inv A))) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; inverse.rules:11
(rule inv-tp (= (inv (T A)) (T (inv A))) (vars (A ?A_r ?A_r)) (if (square A))) ; inverse.rules:12
(rule inv-scale (= (inv (* s A)) (* (/ 1 s) (inv A))) (vars (A ?A_r ?A_r) (s 1 1)) (if (invertible s) (invertible A))) ; inverse.rules:13
(rule inv-id (= (inv (I ?2)) (I ?2)) (vars) (if)) ; inverse.rules:14
(rule inv-scalar (= (inv s) (/ 1 s)) (vars (s 1 1)) (if)) ; inverse.rules:15
(rule inv-orthogonal (= (inv A) (T A)) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; inverse.rules:16
(rule inv-neg (= (inv (neg A)) (neg (inv A))) (vars (A ?A_r ?A_r)) (if (square A))) ; inverse.rules:17
(rule inv-kron (= (inv (kron A B)) (kron (inv A) (inv B))) (vars (A ?A_r ?A_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; inverse.rules:18
(rule inv-left-mul (= (* (inv A) (* A B)) B) (vars (A ?B_r ?B_r) (B ?B_r ?B_c)) (if (invertible A))) ; inverse.rules:19
(rule inv-right-mul (= (* (* B A) (inv A)) B) (vars (A ?A_r ?A_r) (B ?B_r ?A_r)) (if (invertible A))) ; inverse.rules:20
(rule woodbury (= (inv (+ A (* (* U C) V))) (- (inv A) (* (* (* (* (inv A) U) (inv (+ (inv C) (* (* V (inv A)) U)))) V) (inv A)))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C) (invertible (+ A (* (* U C) V))))) ; inverse.rules:21
(rule push-through (= (* (inv (+ (I ?B_c) (* A B))) A) (* A (inv (+ (I ?B_r) (* B A))))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if)) ; inverse.rules:22
(rule orth-gram (= (* (T A) A) (I ?A_r)) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; inverse.rules:23
(rule orth-gram-t (= (* A (T A)) (I ?A_r)) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; inverse.rules:24
(rule kailath (= (inv (+ A (* B C))) (- (inv A) (* (* (* (* (inv A) B) (inv (+ (I ?C_r) (* (* C (inv A)) B)))) C) (inv A)))) (vars (A ?C_c ?C_c) (B ?C_c ?C_r) (C ?C_r ?C_c)) (if (invertible A) (invertible (+ A (* B C))))) ; inverse.rules:25
(rule gaussian-gain (= (* (* (inv (+ (inv P) (* (* (T B) (inv R)) B))) (T B)) (inv R)) (* (* P (T B)) (inv (+ (* (* B P) (T B)) R)))) (vars (B ?R_r ?B_c) (P ?B_c ?B_c) (R ?R_r ?R_r)) (if (invertible P) (invertible R))) ; inverse.rules:26
(rule sherman-morrison (= (inv (+ A (* x (T y)))) (- (inv A) (/ (* (* (* (inv A) x) (T y)) (inv A)) (+ 1 (* (* (T y) (inv A)) x))))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (+ A (* x (T y)))))) ; inverse.rules:27
(rule sm-applied (= (* (inv (+ A (* x (T y)))) x) (/ (* (inv A) x) (+ 1 (* (* (T y) (inv A)) x)))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y))) ; inverse.rules:28
(rule inv-sum-inv (= (inv (+ (inv A) (inv B))) (* (* A (inv (+ A B))) B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; inverse.rules:29
(rule inv-sum-inv-r (= (inv (+ (inv A) (inv B))) (* (* B (inv (+ A B))) A)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; inverse.rules:30
(rule push-shift (= (* (inv (+ (* A B) (* s (I ?A_r)))) A) (* A (inv (+ (* B A) (* s (I ?B_r)))))) (vars (A ?A_r ?B_r) (B ?B_r ?A_r) (s 1 1)) (if (invertible (+ (* A B) (* s (I ?A_r)))) (invertible (+ (* B A) (* s (I ?B_r)))))) ; inverse.rules:31
(rule push-shift-s (= (* (inv (+ (* A B) (* s (I ?A_r)))) A) (* A (inv (+ (* B A) (* s (I ?B_r)))))) (vars (A ?A_r ?B_r) (B ?B_r ?A_r) (s 1 1)) (if (invertible s))) ; inverse.rules:32
(rule push-shift-ws (= (* (inv (+ (* (* t A) B) (* s (I ?A_r)))) A) (* A (inv (+ (* (* t B) A) (* s (I ?B_r)))))) (vars (A ?A_r ?B_r) (B ?B_r ?A_r) (s 1 1) (t 1 1)) (if (invertible s))) ; inverse.rules:33
(rule push-shift-ws-r (= (* (inv (+ (* s (I ?B_c)) (* t (* A B)))) A) (* A (inv (+ (* s (I ?B_r)) (* t (* B A)))))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c) (s 1 1) (t 1 1)) (if (invertible s))) ; inverse.rules:34
(rule inv-id-plus (= (inv (+ (I ?A_c) A)) (- (I ?A_c) (* A (inv (+ (I ?A_c) A))))) (vars (A ?A_c ?A_c)) (if (invertible (+ (I ?A_c) A)))) ; inverse.rules:35
(rule inv-id-plus-r (= (inv (+ (I ?A_c) A)) (- (I ?A_c) (* (inv (+ (I ?A_c) A)) A))) (vars (A ?A_c ?A_c)) (if (invertible (+ (I ?A_c) A)))) ; inverse.rules:36
(rule inv-id-plus-ab (= (inv (+ (I ?B_c) (* A B))) (- (I ?B_c) (* (* A (inv (+ (I ?B_r) (* B A)))) B))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if (invertible (+ (I ?B_c) (* A B))))) ; inverse.rules:37
(rule inv-id-plus-inv (= (inv (+ (I ?A_r) (inv A))) (* A (inv (+ A (I ?A_r))))) (vars (A ?A_r ?A_r)) (if (invertible A))) ; inverse.rules:38
(rule inv-id-plus-inv-r (= (inv (+ (I ?A_r) (inv A))) (* (inv (+ A (I ?A_r))) A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; inverse.rules:39
(rule inv-shift-comm (= (* A (inv (+ A (I ?A_r)))) (* (inv (+ A (I ?A_r))) A)) (vars (A ?A_r ?A_r)) (if)) ; inverse.rules:40
(rule inv-sum-factor (= (+ (inv A) (inv B)) (* (* (inv A) (+ A B)) (inv B))) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; inverse.rules:41
(rule inv-split (= (* A (inv (+ A B))) (- (I ?B_c) (* B (inv (+ A B))))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c)) (if (invertible (+ A B)))) ; inverse.rules:42
(rule inv-split-r (= (* (inv (+ A B)) A) (- (I ?B_c) (* (inv (+ A B)) B))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c)) (if (invertible (+ A B)))) ; inverse.rules:43
(rule inv-div (= (inv (/ A s)) (* s (inv A))) (vars (A ?A_r ?A_r) (s 1 1)) (if (square A))) ; inverse.rules:44
(rule sherman-morrison-w (= (inv (+ A (* (* s x) (T y)))) (- (inv A) (/ (* (* (* (* s (inv A)) x) (T y)) (inv A)) (+ 1 (* (* (* s (T y)) (inv A)) x))))) (vars (A ?y_r ?y_r) (s 1 1) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (+ A (* (* s x) (T y)))))) ; inverse.rules:48
(rule sherman-morrison-minus (= (inv (- A (* x (T y)))) (+ (inv A) (/ (* (* (* (inv A) x) (T y)) (inv A)) (- 1 (* (* (T y) (inv A)) x))))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (- A (* x (T y)))))) ; inverse.rules:49
(rule sherman-morrison-w-minus (= (inv (- A (* (* s x) (T y)))) (+ (inv A) (/ (* (* (* (* s (inv A)) x) (T y)) (inv A)) (- 1 (* (* (* s (T y)) (inv A)) x))))) (vars (A ?y_r ?y_r) (s 1 1) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (- A (* (* s x) (T y)))))) ; inverse.rules:50
(rule sm-applied-w (= (* (inv (+ A (* (* s x) (T y)))) x) (/ (* (inv A) x) (+ 1 (* (* (* s (T y)) (inv A)) x)))) (vars (A ?y_r ?y_r) (s 1 1) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y))) ; inverse.rules:53
(rule sm-solve (= (* (inv (+ A (* x (T y)))) z) (- (* (inv A) z) (/ (* (* (* (* (T y) (inv A)) z) (inv A)) x) (+ 1 (* (* (T y) (inv A)) x))))) (vars (A ?z_r ?z_r) (x ?z_r 1) (y ?z_r 1) (z ?z_r 1)) (if (invertible A) (vector x) (vector y) (vector z) (invertible (+ A (* x (T y)))))) ; inverse.rules:54
(rule woodbury-applied (= (* (inv (+ A (* (* U C) V))) U) (* (* (* (inv A) U) (inv (+ (inv C) (* (* V (inv A)) U)))) (inv C))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C))) ; inverse.rules:57
(rule woodbury-applied-r (= (* V (inv (+ A (* (* U C) V)))) (* (* (* (inv C) (inv (+ (inv C) (* (* V (inv A)) U)))) V) (inv A))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C))) ; inverse.rules:58
(rule woodbury-cov (= (inv (+ (inv P) (* (* (T B) (inv R)) B))) (- P (* (* (* (* P (T B)) (inv (+ (* (* B P) (T B)) R))) B) P))) (vars (B ?R_r ?B_c) (P ?B_c ?B_c) (R ?R_r ?R_r)) (if (invertible P) (invertible R) (invertible (+ (* (* B P) (T B)) R)))) ; inverse.rules:61
(rule inv-tp-congruence (= (inv (* (* (T A) (T B)) A)) (T (inv (* (* (T A) B) A)))) (vars (A ?B_c ?A_c) (B ?B_c ?B_c)) (if (square (* (* (T A) B) A)))) ; inverse.rules:65
(rule inv-tp-congruence-t (= (inv (* (* A (T B)) (T A))) (T (inv (* (* A B) (T A))))) (vars (A ?A_r ?B_c) (B ?B_c ?B_c)) (if (square (* (* A B) (T A))))) ; inverse.rules:66
(rule inv-div-sum (= (inv (+ (/ A s) B)) (* s (inv (+ A (* s B))))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c) (s 1 1)) (if (nonzero s))) ; inverse.rules:70
(rule inv-div-sum-s (= (inv (+ (* (/ s t) A) B)) (* t (inv (+ (* s A) (* t B))))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c) (s 1 1) (t 1 1)) (if (nonzero t))) ; inverse.rules:71
(rule kron-mixed (= (* (kron A B) (kron C D)) (kron (* A C) (* B D))) (vars (A ?A_r ?C_r) (B ?B_r ?D_r) (C ?C_r ?C_c) (D ?D_r ?D_c)) (if)) ; kronecker.rules:5
(rule kron-tp (= (T (kron A B)) (kron (T A) (T B))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:6
(rule kron-assoc (= (kron (kron A B) C) (kron A (kron B C))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c) (C ?C_r ?C_c)) (if)) ; kronecker.rules:7
(rule kron-add-left (= (kron (+ A B) C) (+ (kron A C) (kron B C))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c) (C ?C_r ?C_c)) (if)) ; kronecker.rules:8
(rule kron-add-right (= (kron A (+ B C)) (+ (kron A B) (kron A C))) (vars (A ?A_r ?A_c) (B ?C_r ?C_c) (C ?C_r ?C_c)) (if)) ; kronecker.rules:9
(rule kron-scale-left (= (kron (* s A) B) (* s (kron A B))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c) (s 1 1)) (if)) ; kronecker.rules:10
(rule kron-scale-right (= (kron A (* s B)) (* s (kron A B))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c) (s 1 1)) (if)) ; kronecker.rules:11
(rule kron-neg-left (= (kron (neg A) B) (neg (kron A B))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:12
(rule kron-neg-right (= (kron A (neg B)) (neg (kron A B))) (vars (A ?A_r ?A_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:13
(rule kron-scalar (= (kron s A) (* s A)) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; kronecker.rules:14
(rule kron-scalar-r (= (kron A s) (* s A)) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; kronecker.rules:15
(rule tr-kron (= (tr (kron A B)) (* (tr A) (tr B))) (vars (A ?A_r ?A_r) (B ?B_r ?B_r)) (if (square A) (square B))) ; kronecker.rules:16
(rule vec-mul3 (= (vec (* (* A B) C)) (* (kron (T C) A) (vec B))) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if)) ; kronecker.rules:17
(rule vec-mul-left (= (vec (* A B)) (* (kron (T B) (I ?A_r)) (vec A))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if)) ; kronecker.rules:18
(rule vec-mul-right (= (vec (* A B)) (* (kron (I ?B_c) A) (vec B))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if)) ; kronecker.rules:19
(rule vec-add (= (vec (+ A B)) (+ (vec A) (vec B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:20
(rule vec-sub (= (vec (- A B)) (- (vec A) (vec B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:21
(rule vec-neg (= (vec (neg A)) (neg (vec A))) (vars (A ?A_r ?A_c)) (if)) ; kronecker.rules:22
(rule vec-scale (= (vec (* s A)) (* s (vec A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; kronecker.rules:23
(rule vec-had (= (vec (had A B)) (had (vec A) (vec B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:24
(rule vec-hdiv (= (vec (hdiv A B)) (hdiv (vec A) (vec B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:25
(rule vec-outer (= (vec (* x (T y))) (kron y x)) (vars (x ?x_r 1) (y ?y_r 1)) (if (vector x) (vector y))) ; kronecker.rules:26
(rule vec-inner (= (* (T (vec A)) (vec B)) (tr (* (T A) B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; kronecker.rules:27
(rule vec-d-matvec (= (vec (* A x)) (* (kron (T x) (I ?A_r)) (vec A))) (vars (A ?A_r ?x_r) (x ?x_r 1)) (if (differential A) (vector x) (nondifferential x))) ; kronecker.rules:29
(rule vec-vector (= (vec x) x) (vars (x ?x_r 1)) (if (vector x))) ; kronecker.rules:30
(rule mul-d-vec (= (* A x) (* (kron (T x) (I ?A_r)) (vec A))) (vars (A ?A_r ?x_r) (x ?x_r 1)) (if (differential A) (vector x) (nondifferential x))) ; kronecker.rules:32
(rule vec-row (= (vec (T x)) x) (vars (x ?x_r 1)) (if (vector x))) ; kronecker.rules:33
(rule vec-d-mul3 (= (vec (* (* A B) C)) (* (kron (T C) A) (vec B))) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (nondifferential A) (differential B) (nondifferential C))) ; kronecker.rules:34
(rule vec-d-mul3-left (= (vec (* (* A B) C)) (* (kron (T (* B C)) (I ?A_r)) (vec A))) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (differential A) (nondifferential B) (nondifferential C))) ; kronecker.rules:37
(rule vec-d-mul3-right (= (vec (* (* A B) C)) (* (kron (I ?C_c) (* A B)) (vec C))) (vars (A ?A_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_c)) (if (nondifferential A) (nondifferential B) (differential C))) ; kronecker.rules:38
(rule vec-d-mul-left (= (vec (* A B)) (* (kron (I ?B_c) A) (vec B))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if (nondifferential A) (differential B))) ; kronecker.rules:39
(rule vec-d-mul-right (= (vec (* A B)) (* (kron (T B) (I ?A_r)) (vec A))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if (differential A) (nondifferential B))) ; kronecker.rules:40
(rule kron-inv-fold (= (kron (inv A) (inv B)) (inv (kron A B))) (vars (A ?A_r ?A_r) (B ?B_r ?B_r)) (if (square A) (square B))) ; kronecker.rules:41
(rule abs-sign (= (had (sign A) A) (abs A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:8
(rule sign-abs (= (had (sign A) (abs A)) A) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:9
(rule relu-step (= (had (step A) A) (relu A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:10
(rule relu-diff (= (- (relu A) (relu (neg A))) A) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:11
(rule relu-sum (= (+ (relu A) (relu (neg A))) (abs A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:12
(rule relu-half (= (/ (+ A (abs A)) 2) (relu A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:13
(rule sign-step (= (- (step A) (step (neg A))) (sign A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:14
(rule abs-neg (= (abs (neg A)) (abs A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:15
(rule sign-neg (= (sign (neg A)) (neg (sign A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:16
(rule relu-relu (= (relu (relu A)) (relu A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:17
(rule abs-abs (= (abs (abs A)) (abs A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:18
(rule abs-relu (= (abs (relu A)) (relu A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:19
(rule relu-abs (= (relu (abs A)) (abs A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:20
(rule abs-scale (= (abs (* s A)) (* (abs s) (abs A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; nonsmooth.rules:21
(rule sign-scale (= (sign (* s A)) (* (sign s) (sign A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; nonsmooth.rules:22
(rule abs-square (= (had (abs A) (abs A)) (had A A)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:23
(rule frob-sign-self (= (: (sign A) A) (sum (abs A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:24
(rule abs-had (= (abs (had A B)) (had (abs A) (abs B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; nonsmooth.rules:25
(rule sign-had (= (sign (had A B)) (had (sign A) (sign B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; nonsmooth.rules:26
(rule abs-tp (= (abs (T A)) (T (abs A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:27
(rule sign-tp (= (sign (T A)) (T (sign A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:28
(rule relu-tp (= (relu (T A)) (T (relu A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:29
(rule step-tp (= (step (T A)) (T (step A))) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:30
(rule d-abs (= (d (abs A)) (had (sign A) (d A))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; nonsmooth.rules:38
(rule d-relu (= (d (relu A)) (had (step A) (d A))) (vars (A ?A_r ?A_c)) (if (smooth A))) ; nonsmooth.rules:39
(rule d-sign (= (d (sign A)) (zeros ?A_r ?A_c)) (vars (A ?A_r ?A_c)) (if)) ; nonsmooth.rules:41
(rule penrose-1 (= (* (* A (pinv A)) A) A) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:9
(rule penrose-2 (= (* (* (pinv A) A) (pinv A)) (pinv A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:10
(rule penrose-3 (= (T (* A (pinv A))) (* A (pinv A))) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:11
(rule penrose-4 (= (T (* (pinv A) A)) (* (pinv A) A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:12
(rule pinv-tp (= (pinv (T A)) (T (pinv A))) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:13
(rule pinv-pinv (= (pinv (pinv A)) A) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:14
(rule pinv-scale (= (pinv (* s A)) (* (inv s) (pinv A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; pinv.rules:15
(rule pinv-gram (= (* (pinv (* (T A) A)) (T A)) (pinv A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:16
(rule pinv-gram-t (= (* (T A) (pinv (* A (T A)))) (pinv A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:17
(rule pinv-zero (= (pinv Z) (zeros ?Z_c ?Z_r)) (vars (Z ?Z_r ?Z_c)) (if (zero Z))) ; pinv.rules:18
(rule penrose-1-tp (= (* (* (T A) A) (pinv A)) (T A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:21
(rule penrose-1-tp-r (= (* (* (pinv A) A) (T A)) (T A)) (vars (A ?A_r ?A_c)) (if)) ; pinv.rules:22
(rule pinv-fullcol (= (pinv A) (* (inv (* (T A) A)) (T A))) (vars (A ?A_r ?A_c)) (if (fullcolrank A))) ; pinv.rules:24
(rule pinv-left (= (* (pinv A) A) (I ?A_c)) (vars (A ?A_r ?A_c)) (if (fullcolrank A))) ; pinv.rules:25
(rule pinv-fullrow (= (pinv A) (* (T A) (inv (* A (T A))))) (vars (A ?A_r ?A_c)) (if (fullrowrank A))) ; pinv.rules:26
(rule pinv-right (= (* A (pinv A)) (I ?A_r)) (vars (A ?A_r ?A_c)) (if (fullrowrank A))) ; pinv.rules:27
(rule pinv-inv (= (pinv A) (inv A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; pinv.rules:28
(rule spd-symmetric (is symmetric A) (vars (A ?A_r ?A_r)) (if (spd A))) ; properties.rules:7
(rule spd-invertible (is invertible A) (vars (A ?A_r ?A_r)) (if (spd A))) ; properties.rules:8
(rule orth-invertible (is invertible A) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; properties.rules:9
(rule diag-symmetric (is symmetric A) (vars (A ?A_r ?A_r)) (if (diagonal A) (square A))) ; properties.rules:10
(rule id-invertible (is invertible (I ?1)) (vars) (if)) ; properties.rules:11
(rule id-symmetric (is symmetric (I ?1)) (vars) (if)) ; properties.rules:12
(rule id-spd (is spd (I ?1)) (vars) (if)) ; properties.rules:13
(rule id-orthogonal (is orthogonal (I ?1)) (vars) (if)) ; properties.rules:14
(rule prod-invertible (is invertible (* A B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; properties.rules:15
(rule scale-invertible (is invertible (* s A)) (vars (A ?A_r ?A_r) (s 1 1)) (if (invertible s) (invertible A))) ; properties.rules:16
(rule tp-invertible (is invertible (T A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:17
(rule inv-invertible (is invertible (inv A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:18
(rule neg-invertible (is invertible (neg A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:19
(rule kron-invertible (is invertible (kron A B)) (vars (A ?A_r ?A_r) (B ?B_r ?B_r)) (if (invertible A) (invertible B))) ; properties.rules:20
(rule pow-invertible (is invertible (^ A 2)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:21
(rule det-invertible (is invertible (det A)) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:22
(rule exp-invertible (is invertible (exp s)) (vars (s 1 1)) (if)) ; properties.rules:23
(rule tp-is-symmetric (is symmetric (T A)) (vars (A ?A_r ?A_r)) (if (symmetric A))) ; properties.rules:24
(rule inv-symmetric (is symmetric (inv A)) (vars (A ?A_r ?A_r)) (if (symmetric A))) ; properties.rules:25
(rule add-symmetric (is symmetric (+ A B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (symmetric A) (symmetric B))) ; properties.rules:26
(rule sub-symmetric (is symmetric (- A B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (symmetric A) (symmetric B))) ; properties.rules:27
(rule neg-symmetric (is symmetric (neg A)) (vars (A ?A_r ?A_r)) (if (symmetric A))) ; properties.rules:28
(rule scale-symmetric (is symmetric (* s A)) (vars (A ?A_r ?A_r) (s 1 1)) (if (symmetric A))) ; properties.rules:29
(rule pow-symmetric (is symmetric (^ A 2)) (vars (A ?A_r ?A_r)) (if (symmetric A))) ; properties.rules:30
(rule gram-symmetric (is symmetric (* (T A) A)) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:31
(rule gram-t-symmetric (is symmetric (* A (T A))) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:32
(rule sandwich-symmetric (is symmetric (* (* (T A) S) A)) (vars (A ?S_r ?A_c) (S ?S_r ?S_r)) (if (symmetric S))) ; properties.rules:33
(rule sandwich-t-symmetric (is symmetric (* (* A S) (T A))) (vars (A ?A_r ?S_r) (S ?S_r ?S_r)) (if (symmetric S))) ; properties.rules:34
(rule kron-symmetric (is symmetric (kron A B)) (vars (A ?A_r ?A_r) (B ?B_r ?B_r)) (if (symmetric A) (symmetric B))) ; properties.rules:35
(rule diag-diagonal (is diagonal (diag x)) (vars (x ?x_r 1)) (if (vector x))) ; properties.rules:36
(rule inv-spd (is spd (inv A)) (vars (A ?A_r ?A_r)) (if (spd A))) ; properties.rules:37
(rule add-spd (is spd (+ A B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (spd A) (spd B))) ; properties.rules:38
(rule tp-orthogonal (is orthogonal (T A)) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; properties.rules:39
(rule inv-is-orthogonal (is orthogonal (inv A)) (vars (A ?A_r ?A_r)) (if (orthogonal A))) ; properties.rules:40
(rule prod-orthogonal (is orthogonal (* A B)) (vars (A ?B_r ?B_r) (B ?B_r ?B_r)) (if (orthogonal A) (orthogonal B))) ; properties.rules:41
(rule scalar-symmetric (is symmetric s) (vars (s 1 1)) (if)) ; properties.rules:42
(rule sigmoid-invertible (is invertible (sigmoid s)) (vars (s 1 1)) (if)) ; properties.rules:43
(rule sigmoid-comp-invertible (is invertible (- 1 (sigmoid s))) (vars (s 1 1)) (if)) ; properties.rules:44
(rule exp-nonzero (is nonzero (exp A)) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:46
(rule sigmoid-nonzero (is nonzero (sigmoid A)) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:47
(rule sigmoid-comp-nonzero (is nonzero (- (ones ?A_r ?A_c) (sigmoid A))) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:48
(rule ones-nonzero (is nonzero (ones ?1 ?2)) (vars) (if)) ; properties.rules:49
(rule softplus-nonzero (is nonzero (+ (ones ?A_r ?A_c) (exp A))) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:50
(rule softplus-nonzero-r (is nonzero (+ (exp A) (ones ?A_r ?A_c))) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:51
(rule had-nonzero (is nonzero (had A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (nonzero A) (nonzero B))) ; properties.rules:52
(rule hdiv-nonzero (is nonzero (hdiv A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (nonzero A) (nonzero B))) ; properties.rules:53
(rule neg-nonzero (is nonzero (neg A)) (vars (A ?A_r ?A_c)) (if (nonzero A))) ; properties.rules:54
(rule tp-nonzero (is nonzero (T A)) (vars (A ?A_r ?A_c)) (if (nonzero A))) ; properties.rules:55
(rule scale-nonzero (is nonzero (* s A)) (vars (A ?A_r ?A_c) (s 1 1)) (if (invertible s) (nonzero A))) ; properties.rules:56
(rule sqrt-nonzero (is nonzero (sqrt A)) (vars (A ?A_r ?A_c)) (if (positive A))) ; properties.rules:57
(rule positive-nonzero (is nonzero A) (vars (A ?A_r ?A_c)) (if (positive A))) ; properties.rules:59
(rule exp-positive (is positive (exp A)) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:60
(rule sigmoid-positive (is positive (sigmoid A)) (vars (A ?A_r ?A_c)) (if)) ; properties.rules:61
(rule ones-positive (is positive (ones ?1 ?2)) (vars) (if)) ; properties.rules:62
(rule sqrt-positive (is positive (sqrt A)) (vars (A ?A_r ?A_c)) (if (positive A))) ; properties.rules:63
(rule add-positive (is positive (+ A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (positive A) (positive B))) ; properties.rules:64
(rule had-positive (is positive (had A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (positive A) (positive B))) ; properties.rules:65
(rule hdiv-positive (is positive (hdiv A B)) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if (positive A) (positive B))) ; properties.rules:66
(rule scale-positive (is positive (* s A)) (vars (A ?A_r ?A_c) (s 1 1)) (if (positive s) (positive A))) ; properties.rules:67
(rule tp-positive (is positive (T A)) (vars (A ?A_r ?A_c)) (if (positive A))) ; properties.rules:68
(rule det-spd-positive (is positive (det A)) (vars (A ?A_r ?A_r)) (if (spd A))) ; properties.rules:69
(rule scalar-nonzero (is nonzero s) (vars (s 1 1)) (if (invertible s))) ; properties.rules:71
(rule scalar-invertible (is invertible s) (vars (s 1 1)) (if (nonzero s))) ; properties.rules:72
(rule norm-invertible (is invertible (norm A)) (vars (A ?A_r ?A_c)) (if (nonzero A))) ; properties.rules:73
(rule norm2-invertible (is invertible (norm2 A)) (vars (A ?A_r ?A_c)) (if (nonzero A))) ; properties.rules:74
(rule sum-positive (is positive (sum A)) (vars (A ?A_r ?A_c)) (if (positive A))) ; properties.rules:76
(rule div-invertible (is invertible (/ A s)) (vars (A ?A_r ?A_r) (s 1 1)) (if (invertible A) (invertible s))) ; properties.rules:77
(rule lemma-invertible (is invertible (+ A (* x (T y)))) (vars (A ?y_r ?y_r) (x ?y_r 1) (y ?y_r 1)) (if (invertible A) (vector x) (vector y) (invertible (+ 1 (* (* (T y) (inv A)) x))))) ; properties.rules:81
(rule woodbury-invertible (is invertible (+ A (* (* U C) V))) (vars (A ?V_c ?V_c) (C ?V_r ?V_r) (U ?V_c ?V_r) (V ?V_r ?V_c)) (if (invertible A) (invertible C) (invertible (+ (inv C) (* (* V (inv A)) U))))) ; properties.rules:82
(rule spd-plus-congruence (is spd (+ A (* (* (T B) C) B))) (vars (A ?B_c ?B_c) (B ?C_r ?B_c) (C ?C_r ?C_r)) (if (spd A) (spd C))) ; properties.rules:85
(rule spd-plus-congruence-t (is spd (+ A (* (* B C) (T B)))) (vars (A ?B_r ?B_r) (B ?B_r ?C_r) (C ?C_r ?C_r)) (if (spd A) (spd C))) ; properties.rules:86
(rule spd-plus-gram (is spd (+ A (* (T B) B))) (vars (A ?B_c ?B_c) (B ?B_r ?B_c)) (if (spd A))) ; properties.rules:87
(rule spd-plus-gram-t (is spd (+ A (* B (T B)))) (vars (A ?B_r ?B_r) (B ?B_r ?B_c)) (if (spd A))) ; properties.rules:88
(rule frob-self-invertible (is invertible (: A A)) (vars (A ?A_r ?A_c)) (if (invertible (norm A)))) ; properties.rules:89
(rule norm2-self-invertible (is invertible (norm2 A)) (vars (A ?A_r ?A_c)) (if (invertible (norm A)))) ; properties.rules:90
(rule invertible-fullcolrank (is fullcolrank A) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:93
(rule invertible-fullrowrank (is fullrowrank A) (vars (A ?A_r ?A_r)) (if (invertible A))) ; properties.rules:94
(rule tp-fullrowrank (is fullrowrank (T A)) (vars (A ?A_r ?A_c)) (if (fullcolrank A))) ; properties.rules:95
(rule tp-fullcolrank (is fullcolrank (T A)) (vars (A ?A_r ?A_c)) (if (fullrowrank A))) ; properties.rules:96
(rule prod-fullcolrank (is fullcolrank (* A B)) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if (fullcolrank A) (fullcolrank B))) ; properties.rules:97
(rule prod-fullrowrank (is fullrowrank (* A B)) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if (fullrowrank A) (fullrowrank B))) ; properties.rules:98
(rule gram-invertible (is invertible (* (T A) A)) (vars (A ?A_r ?A_c)) (if (fullcolrank A))) ; properties.rules:99
(rule gram-t-invertible (is invertible (* A (T A))) (vars (A ?A_r ?A_c)) (if (fullrowrank A))) ; properties.rules:100
(rule pinv-fullrowrank (is fullrowrank (pinv A)) (vars (A ?A_r ?A_c)) (if (fullcolrank A))) ; properties.rules:101
(rule pinv-fullcolrank (is fullcolrank (pinv A)) (vars (A ?A_r ?A_c)) (if (fullrowrank A))) ; properties.rules:102
(rule size-pow-invertible (is invertible (pow c (size ?size_n))) (vars (c 1 1)) (if (invertible c))) ; properties.rules:104
(rule tr-cyclic (= (tr (* A B)) (tr (* B A))) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if)) ; trace.rules:4
(rule tr-tp (= (tr (T A)) (tr A)) (vars (A ?A_r ?A_r)) (if)) ; trace.rules:5
(rule tr-add (= (tr (+ A B)) (+ (tr A) (tr B))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c)) (if)) ; trace.rules:6
(rule tr-sub (= (tr (- A B)) (- (tr A) (tr B))) (vars (A ?B_c ?B_c) (B ?B_c ?B_c)) (if)) ; trace.rules:7
(rule tr-neg (= (tr (neg A)) (neg (tr A))) (vars (A ?A_c ?A_c)) (if)) ; trace.rules:8
(rule tr-scale (= (tr (* s A)) (* s (tr A))) (vars (A ?A_c ?A_c) (s 1 1)) (if)) ; trace.rules:9
(rule tr-scalar (= (tr s) s) (vars (s 1 1)) (if)) ; trace.rules:10
(rule tr-zero (= (tr Z) 0) (vars (Z ?Z_c ?Z_c)) (if (zero Z))) ; trace.rules:11
(rule tr-div (= (tr (/ A s)) (/ (tr A) s)) (vars (A ?A_c ?A_c) (s 1 1)) (if)) ; trace.rules:12
(rule tr-frob (= (tr (* A B)) (: (T A) B)) (vars (A ?B_c ?B_r) (B ?B_r ?B_c)) (if)) ; trace.rules:13
(rule tr-id-size (= (tr (I ?size_n)) (size ?size_n)) (vars) (if)) ; trace.rules:15
(rule sum-ones-size (= (sum (ones ?size_m ?size_n)) (* (size ?size_m) (size ?size_n))) (vars) (if)) ; trace.rules:16
(rule tp-tp (= (T (T A)) A) (vars (A ?A_r ?A_c)) (if)) ; transpose.rules:4
(rule tp-mul (= (T (* A B)) (* (T B) (T A))) (vars (A ?A_r ?B_r) (B ?B_r ?B_c)) (if)) ; transpose.rules:5
(rule tp-add (= (T (+ A B)) (+ (T A) (T B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; transpose.rules:6
(rule tp-sub (= (T (- A B)) (- (T A) (T B))) (vars (A ?B_r ?B_c) (B ?B_r ?B_c)) (if)) ; transpose.rules:7
(rule tp-neg (= (T (neg A)) (neg (T A))) (vars (A ?A_r ?A_c)) (if)) ; transpose.rules:8
(rule tp-scale (= (T (* s A)) (* s (T A))) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; transpose.rules:9
(rule tp-scalar (= (T s) s) (vars (s 1 1)) (if)) ; transpose.rules:10
(rule tp-symmetric (= (T A) A) (vars (A ?A_r ?A_r)) (if (symmetric A))) ; transpose.rules:11
(rule tp-id (= (T (I ?2)) (I ?2)) (vars) (if)) ; transpose.rules:12
(rule tp-zero (= (T Z) (zeros ?Z_c ?Z_r)) (vars (Z ?Z_r ?Z_c)) (if (zero Z))) ; transpose.rules:13
(rule tp-div (= (T (/ A s)) (/ (T A) s)) (vars (A ?A_r ?A_c) (s 1 1)) (if)) ; transpose.rules:14
(rule tp-pow (= (T (^ A 2)) (^ (T A) 2)) (vars (A ?A_c ?A_c)) (if)) ; transpose.rules:15
