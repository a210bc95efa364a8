;; The fast reader's record scanner in WebAssembly: the same rules as scanOne in byteCsv.ts (which it replaces for
;; files read from disk), with SIMD finding the end of each cell sixteen bytes at a time.
;;
;; Memory: the window of the file at [0, have); cell bounds out at START (i32 x MAX_CELLS), END (i32 x MAX_CELLS),
;; FLAGS (u8 x MAX_CELLS); the record's cell count and line breaks inside quoted cells at RESULT and RESULT + 4.
;; `scan(i, have, eof, delim, maxCells)` reads one record from i and returns the index of the line break that ends
;; it (or `have`), -1 when the bytes run out first (read more, scan again), -2 for an unterminated quote, -3 for
;; text after a closing quote, -4 for a record wider than maxCells. Assembled into scannerWasm.ts by
;; scripts/build-wasm.mjs; byteCsv.ts holds the layout constants.
(module
  (memory (export "memory") 66)
  ;; Layout (bytes): window [0, 4 MiB), then START, END, FLAGS, RESULT.
  (global $START i32 (i32.const 4194368))
  (global $END i32 (i32.const 4196416))
  (global $FLAGS i32 (i32.const 4198464))
  (global $RESULT i32 (i32.const 4198976))

  ;; First index >= k of a byte equal to a, b or c, below have; have when there is none.
  (func $next (param $k i32) (param $have i32) (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $va v128) (local $vb v128) (local $vc v128) (local $v v128) (local $m i32) (local $x i32)
    (local.set $va (i8x16.splat (local.get $a)))
    (local.set $vb (i8x16.splat (local.get $b)))
    (local.set $vc (i8x16.splat (local.get $c)))
    (block $scalar
      (loop $blocks
        (br_if $scalar (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $have)))
        (local.set $v (v128.load (local.get $k)))
        (local.set $m
          (i8x16.bitmask
            (v128.or (v128.or (i8x16.eq (local.get $v) (local.get $va)) (i8x16.eq (local.get $v) (local.get $vb)))
                     (i8x16.eq (local.get $v) (local.get $vc)))))
        (if (local.get $m) (then (return (i32.add (local.get $k) (i32.ctz (local.get $m))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $blocks)))
    (block $none
      (loop $bytes
        (br_if $none (i32.ge_u (local.get $k) (local.get $have)))
        (local.set $x (i32.load8_u (local.get $k)))
        (if (i32.or (i32.or (i32.eq (local.get $x) (local.get $a)) (i32.eq (local.get $x) (local.get $b)))
                    (i32.eq (local.get $x) (local.get $c)))
          (then (return (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $bytes)))
    (local.get $have))

  (func $cell (param $n i32) (param $s i32) (param $e i32) (param $flag i32)
    (i32.store (i32.add (global.get $START) (i32.shl (local.get $n) (i32.const 2))) (local.get $s))
    (i32.store (i32.add (global.get $END) (i32.shl (local.get $n) (i32.const 2))) (local.get $e))
    (i32.store8 (i32.add (global.get $FLAGS) (local.get $n)) (local.get $flag)))

  (func (export "scan") (param $i i32) (param $have i32) (param $eof i32) (param $delim i32) (param $maxCells i32) (result i32)
    (local $cells i32) (local $lines i32) (local $j i32) (local $k i32) (local $c i32) (local $flag i32)
    (local.set $j (local.get $i))
    (block $done
      (loop $cellLoop
        (if (i32.eq (local.get $cells) (local.get $maxCells)) (then (return (i32.const -4))))
        (if (i32.and (i32.lt_u (local.get $j) (local.get $have)) (i32.eq (i32.load8_u (local.get $j)) (i32.const 34)))
          (then
            ;; Quoted cell: to the closing quote ("" is an escaped quote).
            (local.set $k (i32.add (local.get $j) (i32.const 1)))
            (local.set $flag (i32.const 1))
            (block $closed
              (loop $quoted
                (local.set $k (call $next (local.get $k) (local.get $have) (i32.const 34) (i32.const 10) (i32.const 13)))
                (if (i32.ge_u (local.get $k) (local.get $have))
                  (then (return (select (i32.const -2) (i32.const -1) (local.get $eof)))))
                (local.set $c (i32.load8_u (local.get $k)))
                (if (i32.eq (local.get $c) (i32.const 34))
                  (then
                    (if (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $have))
                      (then
                        (if (i32.eqz (local.get $eof)) (then (return (i32.const -1))))
                        (br $closed)))
                    (if (i32.eq (i32.load8_u (i32.add (local.get $k) (i32.const 1))) (i32.const 34))
                      (then
                        (local.set $flag (i32.const 2))
                        (local.set $k (i32.add (local.get $k) (i32.const 2)))
                        (br $quoted)))
                    (br $closed)))
                (if (i32.eq (local.get $c) (i32.const 10))
                  (then (local.set $lines (i32.add (local.get $lines) (i32.const 1))))
                  (else
                    ;; CR: a line of its own unless LF follows (then the LF counts).
                    (if (i32.and (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $have)) (i32.eqz (local.get $eof)))
                      (then (return (i32.const -1))))
                    (if (i32.ne (i32.load8_u (i32.add (local.get $k) (i32.const 1))) (i32.const 10))
                      (then (local.set $lines (i32.add (local.get $lines) (i32.const 1)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $quoted)))
            (call $cell (local.get $cells) (i32.add (local.get $j) (i32.const 1)) (local.get $k) (local.get $flag))
            (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
            (local.set $j (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ge_u (local.get $j) (local.get $have))
              (then
                (if (i32.eqz (local.get $eof)) (then (return (i32.const -1))))
                (br $done)))
            (local.set $c (i32.load8_u (local.get $j)))
            (if (i32.eq (local.get $c) (local.get $delim))
              (then
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (if (i32.ge_u (local.get $j) (local.get $have))
                  (then
                    (if (i32.eqz (local.get $eof)) (then (return (i32.const -1))))
                    (call $cell (local.get $cells) (local.get $j) (local.get $j) (i32.const 0))
                    (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
                    (br $done)))
                (br $cellLoop)))
            (br_if $done (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))
            (return (i32.const -3))))
        ;; Unquoted cell: to the next delimiter or line break (a quote inside it is an ordinary character).
        (local.set $k (call $next (local.get $j) (local.get $have) (local.get $delim) (i32.const 10) (i32.const 13)))
        (if (i32.and (i32.ge_u (local.get $k) (local.get $have)) (i32.eqz (local.get $eof)))
          (then (return (i32.const -1))))
        (call $cell (local.get $cells) (local.get $j) (local.get $k) (i32.const 0))
        (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
        (if (i32.ge_u (local.get $k) (local.get $have))
          (then
            (local.set $j (local.get $k))
            (br $done)))
        (if (i32.eq (i32.load8_u (local.get $k)) (local.get $delim))
          (then
            (local.set $j (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ge_u (local.get $j) (local.get $have))
              (then
                (if (i32.eqz (local.get $eof)) (then (return (i32.const -1))))
                (call $cell (local.get $cells) (local.get $j) (local.get $j) (i32.const 0))
                (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
                (br $done)))
            (br $cellLoop)))
        (local.set $j (local.get $k))))
    (i32.store (global.get $RESULT) (local.get $cells))
    (i32.store (i32.add (global.get $RESULT) (i32.const 4)) (local.get $lines))
    (local.get $j)))
