;; The row walk of the exact TreeSHAP tables (shap-table.ts, TableTreeShap): for a run of tabled trees, the level
;; expansion of each tree in the recursion's leaf order and the addition of each leaf's table terms to its output
;; slots, in that order, so every output slot receives the same doubles in the same order as the direct recursion
;; (bit-identical). The same steps as the TypeScript walk it replaced; in WebAssembly because that walk is one load,
;; add and store after another over typed arrays, and a typed-array access in JavaScript pays a bounds check each.
;;
;; Memory is laid out by TableTreeShap (byte offsets passed to $init, all arrays little-endian):
;;   i32 child[2 * items], hot[items] per row, info[items * (2 + width)], level[2^(deepest + 1)]
;;   i32 per tree: root, depth, bias (output slot of its class's expected value), cls, first (shared first-term slot
;;       or -1)
;;   f64 values[], leafValue[numLeaves], expected[numTrees] (per tree), acc[outputs + spare] per row, raw[classes]
;;       per row
;; The rows of a batch lie at fixed strides (bytes, passed to $init) from the first row's hot, acc and raw.
;; Items: internal nodes 0..N-1, leaves N..N+L-1, then no-leaf placeholders; info holds per item its values' start,
;; its shift (rank >> shift is its pattern), then the output slot of each of its `width` terms.
(module
  (memory (import "env" "memory") 1)
  (global $child (mut i32) (i32.const 0))
  (global $hot (mut i32) (i32.const 0))
  (global $info (mut i32) (i32.const 0))
  (global $level (mut i32) (i32.const 0))
  (global $root (mut i32) (i32.const 0))
  (global $depth (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 0))
  (global $cls (mut i32) (i32.const 0))
  (global $first (mut i32) (i32.const 0))
  (global $values (mut i32) (i32.const 0))
  (global $leafValue (mut i32) (i32.const 0))
  (global $expected (mut i32) (i32.const 0))
  (global $acc (mut i32) (i32.const 0))
  (global $raw (mut i32) (i32.const 0))
  (global $numNodes (mut i32) (i32.const 0))
  (global $width (mut i32) (i32.const 0))
  (global $hotStride (mut i32) (i32.const 0))
  (global $accStride (mut i32) (i32.const 0))
  (global $rawStride (mut i32) (i32.const 0))

  (func (export "init")
    (param $child i32) (param $hot i32) (param $info i32) (param $level i32)
    (param $root i32) (param $depth i32) (param $bias i32) (param $cls i32) (param $first i32)
    (param $values i32) (param $leafValue i32) (param $expected i32) (param $acc i32) (param $raw i32)
    (param $numNodes i32) (param $width i32) (param $hotStride i32) (param $accStride i32) (param $rawStride i32)
    (global.set $child (local.get $child))
    (global.set $hot (local.get $hot))
    (global.set $info (local.get $info))
    (global.set $level (local.get $level))
    (global.set $root (local.get $root))
    (global.set $depth (local.get $depth))
    (global.set $bias (local.get $bias))
    (global.set $cls (local.get $cls))
    (global.set $first (local.get $first))
    (global.set $values (local.get $values))
    (global.set $leafValue (local.get $leafValue))
    (global.set $expected (local.get $expected))
    (global.set $acc (local.get $acc))
    (global.set $raw (local.get $raw))
    (global.set $numNodes (local.get $numNodes))
    (global.set $width (local.get $width))
    (global.set $hotStride (local.get $hotStride))
    (global.set $accStride (local.get $accStride))
    (global.set $rawStride (local.get $rawStride)))

  ;; Explains the trees [from, to), every one of them tabled, for `rows` rows: tree after tree, each row in turn (row r
  ;; has its hot flags, accumulator and raw scores at r strides from the first row's), so a tree's table terms are
  ;; read from memory once for all the rows. Each row's slots receive the same terms in the same order as alone.
  (func (export "walk") (param $from i32) (param $to i32) (param $rows i32)
    (local $t i32) (local $k i32) (local $depth i32) (local $lfrom i32) (local $size i32) (local $next i32)
    (local $i i32) (local $item i32) (local $h i32) (local $a i32) (local $shared i32) (local $sum f64)
    (local $rank i32) (local $j i32) (local $at i32) (local $v i32) (local $width i32) (local $a2 i32)
    (local $r i32) (local $hotR i32) (local $accR i32) (local $rawR i32)
    (local.set $width (global.get $width))
    (local.set $t (local.get $from))
    (block $done
      (loop $trees
        (br_if $done (i32.ge_s (local.get $t) (local.get $to)))
        (local.set $r (i32.const 0))
        (local.set $hotR (global.get $hot))
        (local.set $accR (global.get $acc))
        (local.set $rawR (global.get $raw))
        (block $rowsDone
          (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
        ;; The class's expected value.
        (local.set $a (i32.add (local.get $accR) (i32.shl (i32.load (i32.add (global.get $bias) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.load (i32.add (global.get $expected) (i32.shl (local.get $t) (i32.const 3))))))
        ;; Levels 1 .. depth-1, each item into (hot child, cold child).
        (local.set $depth (i32.load (i32.add (global.get $depth) (i32.shl (local.get $t) (i32.const 2)))))
        (i32.store (global.get $level) (i32.load (i32.add (global.get $root) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $lfrom (i32.const 0))
        (local.set $size (i32.const 1))
        (local.set $k (i32.const 1))
        (block $levelsDone
          (loop $levels
            (br_if $levelsDone (i32.ge_s (local.get $k) (local.get $depth)))
            (local.set $next (i32.add (local.get $lfrom) (local.get $size)))
            (local.set $i (i32.const 0))
            (block $itemsDone
              (loop $items
                (br_if $itemsDone (i32.ge_s (local.get $i) (local.get $size)))
                (local.set $item (i32.load (i32.add (global.get $level) (i32.shl (i32.add (local.get $lfrom) (local.get $i)) (i32.const 2)))))
                (local.set $h (i32.load (i32.add (local.get $hotR) (i32.shl (local.get $item) (i32.const 2)))))
                (local.set $a (i32.add (global.get $level) (i32.shl (i32.add (local.get $next) (i32.shl (local.get $i) (i32.const 1))) (i32.const 2))))
                (i32.store (local.get $a) (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (local.get $h)) (i32.const 2)))))
                (i32.store offset=4 (local.get $a) (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (i32.xor (local.get $h) (i32.const 1))) (i32.const 2)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $items)))
            (local.set $lfrom (local.get $next))
            (local.set $size (i32.shl (local.get $size) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $levels)))
        ;; The row's leaf (rank 0): its value into the class's raw score.
        (local.set $item (i32.load (i32.add (global.get $level) (i32.shl (local.get $lfrom) (i32.const 2)))))
        (local.set $item (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (i32.load (i32.add (local.get $hotR) (i32.shl (local.get $item) (i32.const 2))))) (i32.const 2)))))
        (local.set $a (i32.add (local.get $rawR) (i32.shl (i32.load (i32.add (global.get $cls) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a))
          (f64.load (i32.add (global.get $leafValue) (i32.shl (i32.sub (local.get $item) (global.get $numNodes)) (i32.const 3))))))
        ;; The leaves: parent i of the last level gives ranks 2i (its hot child) and 2i + 1 (its cold child).
        (local.set $shared (i32.load (i32.add (global.get $first) (i32.shl (local.get $t) (i32.const 2)))))
        (if (i32.eq (local.get $width) (i32.const 4))
          (then
            (if (i32.ge_s (local.get $shared) (i32.const 0))
              (then
                (local.set $sum (f64.load (i32.add (local.get $accR) (i32.shl (local.get $shared) (i32.const 3)))))
                (local.set $i (i32.const 0))
                (block $sharedDone
                  (loop $sharedLeaves
                    (br_if $sharedDone (i32.ge_s (local.get $i) (local.get $size)))
                    (local.set $item (i32.load (i32.add (global.get $level) (i32.shl (i32.add (local.get $lfrom) (local.get $i)) (i32.const 2)))))
                    (local.set $h (i32.load (i32.add (local.get $hotR) (i32.shl (local.get $item) (i32.const 2)))))
(local.set $at (i32.add (global.get $info) (i32.mul (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (local.get $h)) (i32.const 2)))) (i32.const 24))))
 (local.set $v (i32.add (i32.load (local.get $at)) (i32.shl (i32.shr_u (i32.shl (local.get $i) (i32.const 1)) (i32.load offset=4 (local.get $at))) (i32.const 2))))
 (local.set $sum (f64.add (local.get $sum) (f64.load (i32.add (global.get $values) (i32.shl (local.get $v) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=12 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 1)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=16 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 2)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=20 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 3)) (i32.const 3))))))
(local.set $at (i32.add (global.get $info) (i32.mul (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (i32.xor (local.get $h) (i32.const 1))) (i32.const 2)))) (i32.const 24))))
 (local.set $v (i32.add (i32.load (local.get $at)) (i32.shl (i32.shr_u (i32.or (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)) (i32.load offset=4 (local.get $at))) (i32.const 2))))
 (local.set $sum (f64.add (local.get $sum) (f64.load (i32.add (global.get $values) (i32.shl (local.get $v) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=12 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 1)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=16 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 2)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=20 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 3)) (i32.const 3))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $sharedLeaves)))
                (f64.store (i32.add (local.get $accR) (i32.shl (local.get $shared) (i32.const 3))) (local.get $sum)))
              (else
                (local.set $i (i32.const 0))
                (block $plainDone
                  (loop $plainLeaves
                    (br_if $plainDone (i32.ge_s (local.get $i) (local.get $size)))
                    (local.set $item (i32.load (i32.add (global.get $level) (i32.shl (i32.add (local.get $lfrom) (local.get $i)) (i32.const 2)))))
                    (local.set $h (i32.load (i32.add (local.get $hotR) (i32.shl (local.get $item) (i32.const 2)))))
(local.set $at (i32.add (global.get $info) (i32.mul (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (local.get $h)) (i32.const 2)))) (i32.const 24))))
 (local.set $v (i32.add (i32.load (local.get $at)) (i32.shl (i32.shr_u (i32.shl (local.get $i) (i32.const 1)) (i32.load offset=4 (local.get $at))) (i32.const 2))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=8 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (local.get $v) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=12 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 1)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=16 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 2)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=20 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 3)) (i32.const 3))))))
(local.set $at (i32.add (global.get $info) (i32.mul (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (i32.xor (local.get $h) (i32.const 1))) (i32.const 2)))) (i32.const 24))))
 (local.set $v (i32.add (i32.load (local.get $at)) (i32.shl (i32.shr_u (i32.or (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)) (i32.load offset=4 (local.get $at))) (i32.const 2))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=8 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (local.get $v) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=12 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 1)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=16 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 2)) (i32.const 3))))))
 (local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=20 (local.get $at)) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (i32.const 3)) (i32.const 3))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $plainLeaves))))))
          (else
            ;; Any width: rank by rank, term by term.
            (local.set $rank (i32.const 0))
            (block $ranksDone
              (loop $ranks
                (br_if $ranksDone (i32.ge_s (local.get $rank) (i32.shl (local.get $size) (i32.const 1))))
                (local.set $item (i32.load (i32.add (global.get $level) (i32.shl (i32.add (local.get $lfrom) (i32.shr_u (local.get $rank) (i32.const 1))) (i32.const 2)))))
                (local.set $item (i32.load (i32.add (global.get $child) (i32.shl (i32.add (i32.shl (local.get $item) (i32.const 1)) (i32.xor (i32.load (i32.add (local.get $hotR) (i32.shl (local.get $item) (i32.const 2)))) (i32.and (local.get $rank) (i32.const 1)))) (i32.const 2)))))
                (local.set $at (i32.add (global.get $info) (i32.shl (i32.mul (local.get $item) (i32.add (local.get $width) (i32.const 2))) (i32.const 2))))
                (local.set $v (i32.add (i32.load (local.get $at)) (i32.mul (i32.shr_u (local.get $rank) (i32.load offset=4 (local.get $at))) (local.get $width))))
                (local.set $j (i32.const 0))
                (block $termsDone
                  (loop $terms
                    (br_if $termsDone (i32.ge_s (local.get $j) (local.get $width)))
(local.set $a2 (i32.add (local.get $accR) (i32.shl (i32.load offset=8 (i32.add (local.get $at) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 3))))
 (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2)) (f64.load (i32.add (global.get $values) (i32.shl (i32.add (local.get $v) (local.get $j)) (i32.const 3))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $terms)))
                (local.set $rank (i32.add (local.get $rank) (i32.const 1)))
                (br $ranks)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $hotR (i32.add (local.get $hotR) (global.get $hotStride)))
        (local.set $accR (i32.add (local.get $accR) (global.get $accStride)))
        (local.set $rawR (i32.add (local.get $rawR) (global.get $rawStride)))
        (br $rowLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $trees)))))
