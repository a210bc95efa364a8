;; The fast reader's record scanner in WebAssembly: the same rules as scanOne in byteCsv.ts (which it replaces for
;; files read from disk), with SIMD finding the end of each cell sixteen bytes at a time; and the grouping lane of
;; the allocation reader, which sums rows into groups of equal key cells without leaving WebAssembly.
;;
;; Memory: the window of the file at [0, have); cell bounds out at START, END and FLAGS; the record's cell count and
;; line breaks inside quoted cells in RESULT. `scan(i, have, eof, delim, maxCells)` reads one record from i and
;; returns the index of the line break that ends it (or `have`), or a SCAN_* code: SCAN_NEED_MORE when the bytes run
;; out first (read more, scan again), SCAN_UNTERMINATED, SCAN_TEXT_AFTER_QUOTE, SCAN_TOO_WIDE.
;;
;; Every address, field offset, size and code is named, never written as a number: {NAME} is replaced by
;; scripts/build-wasm.mjs with its value from scannerLayout.json (the one spec of this memory, from which it also
;; writes scannerLayout.ts for byteCsv.ts) before it assembles this into scannerWasm.ts. {REGION.at} is a region's
;; address, {RECORD.field} a field's byte offset in its record, {RECORD.size} a record's bytes, {REGION.mask} its
;; count less one; a literal `offset=` fails the build. Run `npm run build` (or node scripts/build-wasm.mjs) after an
;; edit; a unit test fails while the committed files differ from what the spec and this make.
(module
  (memory (export "memory") {MEMORY.pages})
  ;; Layout: the window at 0, then START, END, FLAGS, RESULT; the lane's CONF, DATE_SLOTS, DATES, SLOTS (its hash
  ;; table of groups), GROUPS (where each group is), and last its ARENA of groups and their keys (the memory grows with
  ;; it). Each region is a global.
  (global $START (export "START") i32 (i32.const {START.at}))
  (global $END (export "END") i32 (i32.const {END.at}))
  (global $FLAGS (export "FLAGS") i32 (i32.const {FLAGS.at}))
  (global $RESULT (export "RESULT") i32 (i32.const {RESULT.at}))

  ;; Stores cell n's bounds and quote flag.
  (func $cell (param $n i32) (param $s i32) (param $e i32) (param $flag i32)
    (i32.store (i32.add (global.get $START) (i32.shl (local.get $n) (i32.const 2))) (local.get $s))
    (i32.store (i32.add (global.get $END) (i32.shl (local.get $n) (i32.const 2))) (local.get $e))
    (i32.store8 (i32.add (global.get $FLAGS) (local.get $n)) (local.get $flag)))

  ;; The loop every byte goes through: the searches for the end of a cell are written out in place (sixteen bytes
  ;; at a time, then byte by byte below `have`), not called, and the cell's bounds are stored in place.
  (func $scan (export "scan") (param $i i32) (param $have i32) (param $eof i32) (param $delim i32) (param $maxCells i32) (result i32)
    (local $cells i32) (local $lines i32) (local $j i32) (local $k i32) (local $c i32) (local $flag i32) (local $m i32)
    (local $vq v128) (local $vlf v128) (local $vcr v128) (local $vd v128) (local $v v128)
    (local.set $vq (i8x16.splat (i32.const 34)))
    (local.set $vlf (i8x16.splat (i32.const 10)))
    (local.set $vcr (i8x16.splat (i32.const 13)))
    (local.set $vd (i8x16.splat (local.get $delim)))
    (local.set $j (local.get $i))
    (block $done
      (loop $cellLoop
        (if (i32.eq (local.get $cells) (local.get $maxCells)) (then (return (i32.const {SCAN_TOO_WIDE}))))
        (if (i32.and (i32.lt_u (local.get $j) (local.get $have)) (i32.eq (i32.load8_u (local.get $j)) (i32.const 34)))
          (then
            ;; Quoted cell: to the closing quote ("" is an escaped quote).
            (local.set $k (i32.add (local.get $j) (i32.const 1)))
            (local.set $flag (i32.const {CELL_QUOTED}))
            (block $closed
              (loop $quoted
                ;; k: the first quote, LF or CR at or after k (have when none).
                (block $found
                  (block $tail
                    (loop $blocks
                      (br_if $tail (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $have)))
                      (local.set $v (v128.load (local.get $k)))
                      (local.set $m (i8x16.bitmask
                        (v128.or (v128.or (i8x16.eq (local.get $v) (local.get $vq)) (i8x16.eq (local.get $v) (local.get $vlf)))
                                 (i8x16.eq (local.get $v) (local.get $vcr)))))
                      (if (local.get $m)
                        (then
                          (local.set $k (i32.add (local.get $k) (i32.ctz (local.get $m))))
                          (br $found)))
                      (local.set $k (i32.add (local.get $k) (i32.const 16)))
                      (br $blocks)))
                  (loop $bytes
                    (br_if $found (i32.ge_u (local.get $k) (local.get $have)))
                    (local.set $c (i32.load8_u (local.get $k)))
                    (br_if $found (i32.or (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 10)))
                                          (i32.eq (local.get $c) (i32.const 13))))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br $bytes)))
                (if (i32.ge_u (local.get $k) (local.get $have))
                  (then (return (select (i32.const {SCAN_UNTERMINATED}) (i32.const {SCAN_NEED_MORE}) (local.get $eof)))))
                (local.set $c (i32.load8_u (local.get $k)))
                (if (i32.eq (local.get $c) (i32.const 34))
                  (then
                    (if (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $have))
                      (then
                        (if (i32.eqz (local.get $eof)) (then (return (i32.const {SCAN_NEED_MORE}))))
                        (br $closed)))
                    (if (i32.eq (i32.load8_u (i32.add (local.get $k) (i32.const 1))) (i32.const 34))
                      (then
                        (local.set $flag (i32.const {CELL_ESCAPED}))
                        (local.set $k (i32.add (local.get $k) (i32.const 2)))
                        (br $quoted)))
                    (br $closed)))
                (if (i32.eq (local.get $c) (i32.const 10))
                  (then (local.set $lines (i32.add (local.get $lines) (i32.const 1))))
                  (else
                    ;; CR: a line of its own unless LF follows (then the LF counts).
                    (if (i32.and (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $have)) (i32.eqz (local.get $eof)))
                      (then (return (i32.const {SCAN_NEED_MORE}))))
                    (if (i32.ne (i32.load8_u (i32.add (local.get $k) (i32.const 1))) (i32.const 10))
                      (then (local.set $lines (i32.add (local.get $lines) (i32.const 1)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $quoted)))
            (i32.store (i32.add (global.get $START) (i32.shl (local.get $cells) (i32.const 2))) (i32.add (local.get $j) (i32.const 1)))
            (i32.store (i32.add (global.get $END) (i32.shl (local.get $cells) (i32.const 2))) (local.get $k))
            (i32.store8 (i32.add (global.get $FLAGS) (local.get $cells)) (local.get $flag))
            (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
            (local.set $j (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ge_u (local.get $j) (local.get $have))
              (then
                (if (i32.eqz (local.get $eof)) (then (return (i32.const {SCAN_NEED_MORE}))))
                (br $done)))
            (local.set $c (i32.load8_u (local.get $j)))
            (if (i32.eq (local.get $c) (local.get $delim))
              (then
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (if (i32.ge_u (local.get $j) (local.get $have))
                  (then
                    (if (i32.eqz (local.get $eof)) (then (return (i32.const {SCAN_NEED_MORE}))))
                    (call $cell (local.get $cells) (local.get $j) (local.get $j) (i32.const {CELL_PLAIN}))
                    (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
                    (br $done)))
                (br $cellLoop)))
            (br_if $done (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))
            (return (i32.const {SCAN_TEXT_AFTER_QUOTE}))))
        ;; Unquoted cell: to the next delimiter or line break (a quote inside it is an ordinary character).
        (local.set $k (local.get $j))
        (block $found
          (block $tail
            (loop $blocks
              (br_if $tail (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $have)))
              (local.set $v (v128.load (local.get $k)))
              (local.set $m (i8x16.bitmask
                (v128.or (v128.or (i8x16.eq (local.get $v) (local.get $vd)) (i8x16.eq (local.get $v) (local.get $vlf)))
                         (i8x16.eq (local.get $v) (local.get $vcr)))))
              (if (local.get $m)
                (then
                  (local.set $k (i32.add (local.get $k) (i32.ctz (local.get $m))))
                  (br $found)))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br $blocks)))
          (loop $bytes
            (br_if $found (i32.ge_u (local.get $k) (local.get $have)))
            (local.set $c (i32.load8_u (local.get $k)))
            (br_if $found (i32.or (i32.or (i32.eq (local.get $c) (local.get $delim)) (i32.eq (local.get $c) (i32.const 10)))
                                  (i32.eq (local.get $c) (i32.const 13))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $bytes)))
        (if (i32.and (i32.ge_u (local.get $k) (local.get $have)) (i32.eqz (local.get $eof)))
          (then (return (i32.const {SCAN_NEED_MORE}))))
        (i32.store (i32.add (global.get $START) (i32.shl (local.get $cells) (i32.const 2))) (local.get $j))
        (i32.store (i32.add (global.get $END) (i32.shl (local.get $cells) (i32.const 2))) (local.get $k))
        (i32.store8 (i32.add (global.get $FLAGS) (local.get $cells)) (i32.const {CELL_PLAIN}))
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
                (if (i32.eqz (local.get $eof)) (then (return (i32.const {SCAN_NEED_MORE}))))
                (call $cell (local.get $cells) (local.get $j) (local.get $j) (i32.const {CELL_PLAIN}))
                (local.set $cells (i32.add (local.get $cells) (i32.const 1)))
                (br $done)))
            (br $cellLoop)))
        (local.set $j (local.get $k))))
    (i32.store offset={RESULT.cells} (global.get $RESULT) (local.get $cells))
    (i32.store (i32.add (global.get $RESULT) (i32.const {RESULT.lines})) (local.get $lines))
    (local.get $j))

  ;; ---------------------------------------------------------------------------------------------------------------
  ;; The grouping lane (byteCsv.ts scanGroups, used by the allocation reader): `groups` scans records like scanRecords
  ;; and, for each one, finds its group by the bytes of the key cells (a hash table of groups, each kept in ARENA with
  ;; a copy of its key) and adds its amount there, exactly: whole units and units of 10^-15 as i64, the row's line among the
  ;; group's first eight, its date among the group's first and last. It returns to JavaScript only for what it cannot
  ;; decide alone (an EVENT: a row of an unknown group, an unknown date, an amount or a checked cell that is not a
  ;; plain decimal, a ragged record), when it needs more bytes, or at `limit`. JavaScript then handles that one row
  ;; its own way (and may `insert` a new group or `addDate` a date) and calls `groups` again.
  ;;
  ;; CONF holds the configuration JavaScript writes, the state kept between calls and what the last call found;
  ;; ARENA holds GROUP records (each followed by its key and its lines), DATES holds DATE records (scannerLayout.json
  ;; describes every field). A row of a known group reads one slot (its tag tells a likely match and where the group
  ;; is) and then the group's record and key, which lie together: two cache misses in a row, not three, on rows that
  ;; come in no order.
  (global $CONF (export "CONF") i32 (i32.const {CONF.at}))
  (global $DATE_SLOTS i32 (i32.const {DATE_SLOTS.at}))
  (global $DATES i32 (i32.const {DATES.at}))
  (global $SLOTS i32 (i32.const {SLOTS.at}))
  (global $GROUPS (export "GROUPS") i32 (i32.const {GROUPS.at}))
  (global $ARENA (export "ARENA") i32 (i32.const {ARENA.at}))
  (global $neg (mut i32) (i32.const 0))
  (global $int (mut i64) (i64.const 0))
  (global $frac (mut i64) (i64.const 0))
  (global $dec (mut i32) (i32.const 0))
  (data (i32.const {CONF.at+CONF.pow10})
    "\01\00\00\00\00\00\00\00" "\0a\00\00\00\00\00\00\00" "\64\00\00\00\00\00\00\00" "\e8\03\00\00\00\00\00\00"
    "\10\27\00\00\00\00\00\00" "\a0\86\01\00\00\00\00\00" "\40\42\0f\00\00\00\00\00" "\80\96\98\00\00\00\00\00"
    "\00\e1\f5\05\00\00\00\00" "\00\ca\9a\3b\00\00\00\00" "\00\e4\0b\54\02\00\00\00" "\00\e8\76\48\17\00\00\00"
    "\00\10\a5\d4\e8\00\00\00" "\00\a0\72\4e\18\09\00\00" "\00\40\7a\10\f3\5a\00\00" "\00\80\c6\a4\7e\8d\03\00")

  (func $conf (param $at i32) (result i32) (i32.load (i32.add (global.get $CONF) (local.get $at))))
  (func $setConf (param $at i32) (param $v i32) (i32.store (i32.add (global.get $CONF) (local.get $at)) (local.get $v)))
  (func $cellStart (param $c i32) (result i32) (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))))
  (func $cellEnd (param $c i32) (result i32) (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2)))))
  (func $cellFlag (param $c i32) (result i32) (i32.load8_u (i32.add (global.get $FLAGS) (local.get $c))))

  ;; Bytes [k, k + n) as a little-endian i64, zero above n (n in 0..8; reads 8 bytes, all inside memory).
  (func $tail (param $k i32) (param $n i32) (result i64)
    (if (result i64) (i32.ge_u (local.get $n) (i32.const 8))
      (then (i64.load (local.get $k)))
      (else (i64.and (i64.load (local.get $k))
                     (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $n) (i32.const 3)))) (i64.const 1))))))

  (func $mix (param $h i64) (param $x i64) (result i64)
    (i64.mul (i64.rotl (i64.xor (local.get $h) (local.get $x)) (i64.const 27)) (i64.const 0x9E3779B97F4A7C15)))

;; Hash of the record's key cells (their lengths, quote flags and every byte), eight bytes a step, then mixed so
  ;; that every bit depends on every input bit (SLOTS takes its low bits as the slot, its high 32 bits to compare).
  (func $hashKey (result i64)
    (local $h i64) (local $at i32) (local $end i32) (local $c i32) (local $k i32) (local $e i32) (local $n i32)
    (if (i32.load offset={CONF.constantHash} (global.get $CONF)) (then (return (i64.const 0x243F6A8885A308D3))))
    (local.set $h (i64.const 0x243F6A8885A308D3))
    (local.set $at (i32.add (global.get $CONF) (i32.const {CONF.keyColumns})))
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.load offset={CONF.keyCount} (global.get $CONF)) (i32.const 2))))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $c (i32.shl (i32.load (local.get $at)) (i32.const 2)))
        (local.set $k (i32.load (i32.add (global.get $START) (local.get $c))))
        (local.set $e (i32.load (i32.add (global.get $END) (local.get $c))))
        (local.set $h (i64.mul (i64.rotl (i64.xor (local.get $h)
          (i64.extend_i32_u (i32.or (i32.shl (i32.sub (local.get $e) (local.get $k)) (i32.const 2))
                                    (i32.load8_u (i32.add (global.get $FLAGS) (i32.shr_u (local.get $c) (i32.const 2)))))))
          (i64.const 27)) (i64.const 0x9E3779B97F4A7C15)))
        (block $wide
          (loop $words
            (br_if $wide (i32.gt_s (i32.add (local.get $k) (i32.const 8)) (local.get $e)))
            (local.set $h (i64.mul (i64.rotl (i64.xor (local.get $h) (i64.load (local.get $k))) (i64.const 27)) (i64.const 0x9E3779B97F4A7C15)))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br $words)))
        (local.set $n (i32.sub (local.get $e) (local.get $k)))
        (if (i32.gt_s (local.get $n) (i32.const 0))
          (then
            (local.set $h (i64.mul (i64.rotl (i64.xor (local.get $h)
              (i64.and (i64.load (local.get $k)) (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $n) (i32.const 3)))) (i64.const 1))))
              (i64.const 27)) (i64.const 0x9E3779B97F4A7C15)))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $cols)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))) (i64.const 0xFF51AFD7ED558CCD)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))) (i64.const 0xC4CEB9FE1A85EC53)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))

  ;; True when the record's key cells are the bytes of the key of the group at $g: sixteen bytes a step, then eight,
  ;; then the rest under a mask (a key's last bytes may be read past, into its lines and never beyond the arena's
  ;; room). Equal hashes never decide: a group is found only when every byte matches.
  (func $sameKey (param $g i32) (result i32)
    (local $p i32) (local $at i32) (local $end i32) (local $c i32) (local $k i32) (local $e i32) (local $n i32) (local $mask i64)
    (local.set $p (i32.add (local.get $g) (i32.const {GROUP.size})))
    (local.set $at (i32.add (global.get $CONF) (i32.const {CONF.keyColumns})))
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.load offset={CONF.keyCount} (global.get $CONF)) (i32.const 2))))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $c (i32.shl (i32.load (local.get $at)) (i32.const 2)))
        (local.set $k (i32.load (i32.add (global.get $START) (local.get $c))))
        (local.set $e (i32.load (i32.add (global.get $END) (local.get $c))))
        (if (i32.ne (i32.load (local.get $p))
                    (i32.or (i32.shl (i32.sub (local.get $e) (local.get $k)) (i32.const 2))
                            (i32.load8_u (i32.add (global.get $FLAGS) (i32.shr_u (local.get $c) (i32.const 2))))))
          (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (block $wide
          (loop $v
            (br_if $wide (i32.gt_s (i32.add (local.get $k) (i32.const 16)) (local.get $e)))
            (if (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (local.get $k)) (v128.load (local.get $p)))))
              (then (return (i32.const 0))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $v)))
        (if (i32.le_s (i32.add (local.get $k) (i32.const 8)) (local.get $e))
          (then
            (if (i64.ne (i64.load (local.get $k)) (i64.load (local.get $p))) (then (return (i32.const 0))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))))
        (local.set $n (i32.sub (local.get $e) (local.get $k)))
        (if (i32.gt_s (local.get $n) (i32.const 0))
          (then
            (local.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $n) (i32.const 3)))) (i64.const 1)))
            (if (i64.ne (i64.and (i64.load (local.get $k)) (local.get $mask)) (i64.and (i64.load (local.get $p)) (local.get $mask)))
              (then (return (i32.const 0))))
            (local.set $p (i32.add (local.get $p) (local.get $n)))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $cols)))
    (i32.const 1))

  ;; The group of the record's key cells, or NO_GROUP; $slot is left at its slot, or at the empty slot it would take,
  ;; $found at the group's GROUP record, $tag at the high half of the key's hash. A slot whose tag differs is passed
  ;; over without reading its group; an equal tag is only a likely match, which sameKey decides.
  (global $slot (mut i32) (i32.const 0))
  (global $tag (mut i64) (i64.const 0))
  (global $found (mut i32) (i32.const 0))
  (func $find (export "find") (result i32)
    (local $s i32) (local $v i64) (local $h i64)
    (local.set $h (call $hashKey))
    (global.set $tag (i64.and (local.get $h) (i64.const 0xFFFFFFFF00000000)))
    (local.set $s (i32.and (i32.wrap_i64 (local.get $h)) (i32.const {SLOTS.mask})))
    (loop $probe
      (local.set $v (i64.load (i32.add (global.get $SLOTS) (i32.shl (local.get $s) (i32.const 3)))))
      (if (i64.eqz (local.get $v))
        (then
          (global.set $slot (local.get $s))
          (return (i32.const {NO_GROUP}))))
      (if (i64.eq (i64.and (local.get $v) (i64.const 0xFFFFFFFF00000000)) (global.get $tag))
        (then
          (if (call $sameKey (i32.wrap_i64 (local.get $v)))
            (then
              (global.set $slot (local.get $s))
              (global.set $found (i32.wrap_i64 (local.get $v)))
              (return (i32.load offset={GROUP.id} (global.get $found)))))))
      (local.set $s (i32.and (i32.add (local.get $s) (i32.const 1)) (i32.const {SLOTS.mask})))
      (br $probe))
    (i32.const {NO_GROUP}))

  ;; Makes the record's key the key of a new group, numbered next; returns its number, or NO_GROUP when the groups
  ;; are full or the record's key is already one (flags: GROUP_CHECKED or 0). JavaScript keeps the arena's room.
  (func (export "insert") (param $flags i32) (result i32)
    (local $id i32) (local $g i32) (local $p i32) (local $n i32) (local $at i32) (local $c i32) (local $len i32)
    (local.set $id (i32.load offset={CONF.groups} (global.get $CONF)))
    (if (i32.ge_u (local.get $id) (i32.load offset={CONF.groupCapacity} (global.get $CONF))) (then (return (i32.const {NO_GROUP}))))
    (if (i32.ge_s (call $find) (i32.const 0)) (then (return (i32.const {NO_GROUP}))))
    ;; arenaEnd stays a multiple of GROUP_ALIGN.
    (local.set $g (i32.add (global.get $ARENA) (i32.load offset={CONF.arenaEnd} (global.get $CONF))))
    (local.set $p (i32.add (local.get $g) (i32.const {GROUP.size})))
    (local.set $n (i32.load offset={CONF.keyCount} (global.get $CONF)))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $at) (local.get $n)))
        (local.set $c (i32.load (i32.add (i32.add (global.get $CONF) (i32.const {CONF.keyColumns})) (i32.shl (local.get $at) (i32.const 2)))))
        (local.set $len (i32.sub (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2)))) (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2))))))
        (i32.store (local.get $p) (i32.or (i32.shl (local.get $len) (i32.const 2)) (i32.load8_u (i32.add (global.get $FLAGS) (local.get $c)))))
        (memory.copy (i32.add (local.get $p) (i32.const 4)) (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))) (local.get $len))
        (local.set $p (i32.add (local.get $p) (i32.add (local.get $len) (i32.const 4))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $cols)))
    (memory.fill (local.get $g) (i32.const 0) (i32.const {GROUP.size}))
    (i32.store offset={GROUP.id} (local.get $g) (local.get $id))
    ;; The lines after the key, at the next i32; the next group at the next multiple of GROUP_ALIGN after them.
    (local.set $p (i32.and (i32.add (local.get $p) (i32.const 3)) (i32.const -4)))
    (i32.store offset={GROUP.linesAt} (local.get $g) (local.get $p))
    (i32.store offset={GROUP.flags} (local.get $g) (local.get $flags))
    (local.set $p (i32.add (i32.add (local.get $p) (i32.shl (i32.const {GROUP_LINES}) (i32.const 2))) (i32.sub (i32.const {GROUP_ALIGN}) (i32.const 1))))
    (local.set $p (i32.and (local.get $p) (i32.sub (i32.const 0) (i32.const {GROUP_ALIGN}))))
    (i32.store (i32.add (global.get $GROUPS) (i32.shl (local.get $id) (i32.const 2))) (local.get $g))
    (i64.store (i32.add (global.get $SLOTS) (i32.shl (global.get $slot) (i32.const 3)))
      (i64.or (global.get $tag) (i64.extend_i32_u (local.get $g))))
    (i32.store offset={CONF.arenaEnd} (global.get $CONF) (i32.sub (local.get $p) (global.get $ARENA)))
    (i32.store offset={CONF.groups} (global.get $CONF) (i32.add (local.get $id) (i32.const 1)))
    (local.get $id))

  ;; Dates: the cell's bytes [s, e) (at most 16) as two zero-padded i64, hashed into DATE_SLOTS.
  (global $d0 (mut i64) (i64.const 0))
  (global $d1 (mut i64) (i64.const 0))
  (func $dateSlot (param $s i32) (param $e i32) (result i32)
    (local $len i32) (local $slot i32) (local $v i32) (local $d i32)
    (local.set $len (i32.sub (local.get $e) (local.get $s)))
    (global.set $d0 (call $tail (local.get $s) (select (i32.const 8) (local.get $len) (i32.gt_u (local.get $len) (i32.const 8)))))
    (global.set $d1 (select (call $tail (i32.add (local.get $s) (i32.const 8)) (i32.sub (local.get $len) (i32.const 8))) (i64.const 0)
      (i32.gt_u (local.get $len) (i32.const 8))))
    (local.set $slot (i32.and
      (i32.wrap_i64 (i64.shr_u (call $mix (call $mix (i64.extend_i32_u (local.get $len)) (global.get $d0)) (global.get $d1)) (i64.const 40)))
      (i32.const {DATE_SLOTS.mask})))
    (loop $probe
      (local.set $v (i32.load (i32.add (global.get $DATE_SLOTS) (i32.shl (local.get $slot) (i32.const 2)))))
      (if (i32.eqz (local.get $v)) (then (return (local.get $slot))))
      (local.set $d (i32.add (global.get $DATES) (i32.shl (i32.sub (local.get $v) (i32.const 1)) (i32.const {DATE.shift}))))
      (if (i32.and (i32.and (i64.eq (i64.load (local.get $d)) (global.get $d0)) (i64.eq (i64.load offset={DATE.tail} (local.get $d)) (global.get $d1)))
                   (i32.eq (i32.load offset={DATE.length} (local.get $d)) (local.get $len)))
        (then (return (local.get $slot))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.const {DATE_SLOTS.mask})))
      (br $probe))
    (i32.const 0))

  ;; The record's date as yyyymmdd: DATE_NONE when there is no date cell or it is empty, DATE_INVALID when it is not
  ;; a date, DATE_UNKNOWN when JavaScript has not said yet (or the cell is longer than DATE_CELL_BYTES).
  (func $dateOf (result i32)
    (local $c i32) (local $s i32) (local $e i32) (local $v i32)
    (local.set $c (i32.load offset={CONF.dateColumn} (global.get $CONF)))
    (if (i32.lt_s (local.get $c) (i32.const 0)) (then (return (i32.const {DATE_NONE}))))
    (local.set $s (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))))
    (local.set $e (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2)))))
    (if (i32.eq (local.get $s) (local.get $e)) (then (return (i32.const {DATE_NONE}))))
    (if (i32.gt_u (i32.sub (local.get $e) (local.get $s)) (i32.const {DATE_CELL_BYTES})) (then (return (i32.const {DATE_UNKNOWN}))))
    (local.set $v (i32.load (i32.add (global.get $DATE_SLOTS) (i32.shl (call $dateSlot (local.get $s) (local.get $e)) (i32.const 2)))))
    (if (i32.eqz (local.get $v)) (then (return (i32.const {DATE_UNKNOWN}))))
    (i32.load offset={DATE.yyyymmdd} (i32.add (global.get $DATES) (i32.shl (i32.sub (local.get $v) (i32.const 1)) (i32.const {DATE.shift})))))

  ;; JavaScript's reading of the date cell [s, e): yyyymmdd, or DATE_INVALID (not a date). At most DATES.count dates.
  (func (export "addDate") (param $s i32) (param $e i32) (param $date i32)
    (local $slot i32) (local $n i32) (local $d i32)
    (if (i32.gt_u (i32.sub (local.get $e) (local.get $s)) (i32.const {DATE_CELL_BYTES})) (then (return)))
    (local.set $n (i32.load offset={CONF.dates} (global.get $CONF)))
    (if (i32.ge_u (local.get $n) (i32.const {DATES.count})) (then (return)))
    (local.set $slot (i32.add (global.get $DATE_SLOTS) (i32.shl (call $dateSlot (local.get $s) (local.get $e)) (i32.const 2))))
    (if (i32.load (local.get $slot)) (then (return)))
    (local.set $d (i32.add (global.get $DATES) (i32.shl (local.get $n) (i32.const {DATE.shift}))))
    (i64.store (local.get $d) (global.get $d0))
    (i64.store offset={DATE.tail} (local.get $d) (global.get $d1))
    (i32.store offset={DATE.length} (local.get $d) (i32.sub (local.get $e) (local.get $s)))
    (i32.store offset={DATE.yyyymmdd} (local.get $d) (local.get $date))
    (i32.store (local.get $slot) (i32.add (local.get $n) (i32.const 1)))
    (i32.store offset={CONF.dates} (global.get $CONF) (i32.add (local.get $n) (i32.const 1))))

  ;; A plain decimal -?digits[.digits] in [s, e), at most 15 digits on each side (parsePlainDecimal's rules): sets
  ;; $neg, $int, $frac, $dec and returns 1, or returns 0.
  (func $plain (param $s i32) (param $e i32) (result i32)
    (local $k i32) (local $c i32) (local $int i64) (local $frac i64) (local $from i32)
    (if (i32.ge_s (local.get $s) (local.get $e)) (then (return (i32.const 0))))
    (local.set $k (local.get $s))
    (global.set $neg (i32.const 0))
    (if (i32.eq (i32.load8_u (local.get $k)) (i32.const 45))
      (then
        (global.set $neg (i32.const 1))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))))
    (local.set $from (local.get $k))
    (block $intDone
      (loop $digits
        (br_if $intDone (i32.ge_s (local.get $k) (local.get $e)))
        (local.set $c (i32.sub (i32.load8_u (local.get $k)) (i32.const 48)))
        (br_if $intDone (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $int (i64.add (i64.mul (local.get $int) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $digits)))
    (local.set $c (i32.sub (local.get $k) (local.get $from)))
    (if (i32.or (i32.eqz (local.get $c)) (i32.gt_u (local.get $c) (i32.const 15))) (then (return (i32.const 0))))
    (global.set $dec (i32.const 0))
    (if (i32.lt_s (local.get $k) (local.get $e))
      (then
        (if (i32.ne (i32.load8_u (local.get $k)) (i32.const 46)) (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $from (local.get $k))
        (block $fracDone
          (loop $fdigits
            (br_if $fracDone (i32.ge_s (local.get $k) (local.get $e)))
            (local.set $c (i32.sub (i32.load8_u (local.get $k)) (i32.const 48)))
            (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i32.const 0))))
            (local.set $frac (i64.add (i64.mul (local.get $frac) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $fdigits)))
        (local.set $c (i32.sub (local.get $k) (local.get $from)))
        (if (i32.or (i32.eqz (local.get $c)) (i32.gt_u (local.get $c) (i32.const 15))) (then (return (i32.const 0))))
        (global.set $dec (local.get $c))))
    (global.set $int (local.get $int))
    (global.set $frac (local.get $frac))
    (i32.const 1))

  ;; Why a record goes to JavaScript: a LANE_* reason, or LANE_SUMMED when it was summed here.
  (func $lane (param $cells i32) (result i32)
    (local $c i32) (local $id i32) (local $date i32) (local $g i32) (local $at i32) (local $s i32) (local $e i32)
    (local $units i64) (local $femto i64) (local $n i32)
    (if (i32.ne (local.get $cells) (i32.load offset={CONF.width} (global.get $CONF)))
      (then
        (if (i32.lt_u (local.get $cells) (i32.load offset={CONF.width} (global.get $CONF))) (then (return (i32.const {LANE_RAGGED}))))
        (local.set $c (i32.load offset={CONF.width} (global.get $CONF)))
        (block $ok
          (loop $extra
            (br_if $ok (i32.ge_u (local.get $c) (local.get $cells)))
            (if (i32.ne (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))) (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2))))) (then (return (i32.const {LANE_RAGGED}))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $extra)))))
    (if (i32.and (i32.load offset={CONF.firstIsEvent} (global.get $CONF)) (i32.eqz (i32.load offset={CONF.records} (global.get $CONF)))) (then (return (i32.const {LANE_FIRST}))))
    (i32.store offset={CONF.eventGroup} (global.get $CONF) (i32.const {GROUP_NOT_LOOKED_UP}))
    (local.set $date (call $dateOf))
    (if (i32.lt_s (local.get $date) (i32.const 0)) (then (return (i32.const {LANE_DATE}))))
    (local.set $id (call $find))
    (i32.store offset={CONF.eventGroup} (global.get $CONF) (local.get $id))
    (if (i32.lt_s (local.get $id) (i32.const 0)) (then (return (i32.const {LANE_NEW_GROUP}))))
    (local.set $g (global.get $found))
    (if (i32.and (i32.load offset={GROUP.flags} (local.get $g)) (i32.const {GROUP_CHECKED}))
      (then
        (block $checked
          (loop $checks
            (br_if $checked (i32.ge_u (local.get $at) (i32.const {CONF.checkColumns.count})))
            (local.set $c (call $conf (i32.add (i32.const {CONF.checkColumns}) (i32.shl (local.get $at) (i32.const 2)))))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br_if $checks (i32.lt_s (local.get $c) (i32.const 0)))
            (local.set $s (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $e (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2)))))
            (br_if $checks (i32.eq (local.get $s) (local.get $e)))
            (if (i32.eq (i32.load8_u (i32.add (global.get $FLAGS) (local.get $c))) (i32.const {CELL_ESCAPED})) (then (return (i32.const {LANE_CHECKED}))))
            (if (i32.eqz (call $plain (local.get $s) (local.get $e))) (then (return (i32.const {LANE_CHECKED}))))
            (br $checks)))))
    (local.set $c (i32.load offset={CONF.sumColumn} (global.get $CONF)))
    (if (i32.eq (i32.load8_u (i32.add (global.get $FLAGS) (local.get $c))) (i32.const {CELL_ESCAPED})) (then (return (i32.const {LANE_AMOUNT}))))
    (if (i32.eqz (call $plain (i32.load (i32.add (global.get $START) (i32.shl (local.get $c) (i32.const 2)))) (i32.load (i32.add (global.get $END) (i32.shl (local.get $c) (i32.const 2)))))) (then (return (i32.const {LANE_AMOUNT}))))
    ;; A negative zero stays a line of its own (see aggregateDailyRange); amounts of 2^32 or more go to JavaScript,
    ;; so that a group's i64 sum cannot overflow (fewer than 2^31 rows of less than 2^32 each).
    (if (i32.and (global.get $neg) (i64.eqz (i64.or (global.get $int) (global.get $frac)))) (then (return (i32.const {LANE_AMOUNT}))))
    (if (i64.ge_u (global.get $int) (i64.const {MAX_AMOUNT_UNITS})) (then (return (i32.const {LANE_AMOUNT}))))
    (if (i32.ge_u (i32.load offset={GROUP.rows} (local.get $g)) (i32.const {MAX_GROUP_ROWS})) (then (return (i32.const {LANE_AMOUNT}))))
    (local.set $femto (i64.mul (global.get $frac)
      (i64.load (i32.add (i32.add (global.get $CONF) (i32.const {CONF.pow10})) (i32.shl (i32.sub (i32.const 15) (global.get $dec)) (i32.const 3))))))
    (local.set $units (i64.load offset={GROUP.units} (local.get $g)))
    (if (global.get $neg)
      (then
        (local.set $units (i64.sub (local.get $units) (global.get $int)))
        (local.set $femto (i64.sub (i64.load offset={GROUP.femtos} (local.get $g)) (local.get $femto)))
        (if (i64.lt_s (local.get $femto) (i64.const 0))
          (then
            (local.set $femto (i64.add (local.get $femto) (i64.const 1000000000000000)))
            (local.set $units (i64.sub (local.get $units) (i64.const 1))))))
      (else
        (local.set $units (i64.add (local.get $units) (global.get $int)))
        (local.set $femto (i64.add (i64.load offset={GROUP.femtos} (local.get $g)) (local.get $femto)))
        (if (i64.ge_s (local.get $femto) (i64.const 1000000000000000))
          (then
            (local.set $femto (i64.sub (local.get $femto) (i64.const 1000000000000000)))
            (local.set $units (i64.add (local.get $units) (i64.const 1)))))))
    (i64.store offset={GROUP.units} (local.get $g) (local.get $units))
    (i64.store offset={GROUP.femtos} (local.get $g) (local.get $femto))
    (i32.store offset={GROUP.rows} (local.get $g) (i32.add (i32.load offset={GROUP.rows} (local.get $g)) (i32.const 1)))
    (local.set $n (i32.load offset={GROUP.linesKept} (local.get $g)))
    (if (i32.lt_u (local.get $n) (i32.const {GROUP_LINES}))
      (then
        (i32.store (i32.add (i32.load offset={GROUP.linesAt} (local.get $g)) (i32.shl (local.get $n) (i32.const 2)))
          (i32.add (i32.add (i32.load offset={CONF.lineBase} (global.get $CONF)) (i32.load offset={CONF.recordLine} (global.get $CONF))) (i32.const 1)))
        (i32.store offset={GROUP.linesKept} (local.get $g) (i32.add (local.get $n) (i32.const 1)))))
    (if (local.get $date)
      (then
        (if (i32.or (i32.eqz (i32.load offset={GROUP.firstDate} (local.get $g))) (i32.lt_s (local.get $date) (i32.load offset={GROUP.firstDate} (local.get $g))))
          (then (i32.store offset={GROUP.firstDate} (local.get $g) (local.get $date))))
        (if (i32.gt_s (local.get $date) (i32.load offset={GROUP.lastDate} (local.get $g)))
          (then (i32.store offset={GROUP.lastDate} (local.get $g) (local.get $date))))))
    (i32.const {LANE_SUMMED}))

  ;; Scans records from CONF position (kept between calls) and sums those the lane can; returns GROUPS_END at the end
  ;; of the input, GROUPS_NEED_MORE when it needs more bytes (refill from the position), GROUPS_EVENT for a record
  ;; for JavaScript (its cells at START/END/FLAGS, its place in CONF recordStart..recordCells; the next call goes on
  ;; after it), GROUPS_IRREGULAR when the input is not regular CSV (CONF scanCode), GROUPS_LIMIT at the first record
  ;; starting at or after `limit`.
  (func (export "groups") (param $have i32) (param $eof i32) (param $limit i32) (result i32)
    (local $i i32) (local $j i32) (local $c i32) (local $line i32) (local $reason i32)
    (local.set $i (i32.load offset={CONF.position} (global.get $CONF)))
    (local.set $line (i32.load offset={CONF.lines} (global.get $CONF)))
    (block $out
      (loop $records
        ;; Line breaks between records (a CR at the end of the bytes waits for the next read: CRLF is one break).
        (block $blankDone
          (loop $blank
            (br_if $blankDone (i32.ge_u (local.get $i) (local.get $have)))
            (local.set $c (i32.load8_u (local.get $i)))
            (br_if $blankDone (i32.and (i32.ne (local.get $c) (i32.const 10)) (i32.ne (local.get $c) (i32.const 13))))
            (if (i32.eq (local.get $c) (i32.const 13))
              (then
                (if (i32.and (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $have)) (i32.eqz (local.get $eof)))
                  (then
                    (local.set $reason (i32.const {GROUPS_NEED_MORE}))
                    (br $out)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (if (i32.lt_u (local.get $i) (local.get $have))
                  (then (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 10)) (then (local.set $i (i32.add (local.get $i) (i32.const 1))))))))
              (else (local.set $i (i32.add (local.get $i) (i32.const 1)))))
            (local.set $line (i32.add (local.get $line) (i32.const 1)))
            (br $blank)))
        (if (i32.ge_u (local.get $i) (local.get $have))
          (then
            (local.set $reason (select (i32.const {GROUPS_END}) (i32.const {GROUPS_NEED_MORE}) (local.get $eof)))
            (br $out)))
        (if (i32.ge_u (local.get $i) (local.get $limit))
          (then
            (local.set $reason (i32.const {GROUPS_LIMIT}))
            (br $out)))
        (local.set $j (call $scan (local.get $i) (local.get $have) (local.get $eof) (i32.load offset={CONF.delimiter} (global.get $CONF)) (i32.load offset={CONF.maxCells} (global.get $CONF))))
        (if (i32.eq (local.get $j) (i32.const {SCAN_NEED_MORE}))
          (then
            (local.set $reason (i32.const {GROUPS_NEED_MORE}))
            (br $out)))
        (if (i32.lt_s (local.get $j) (i32.const 0))
          (then
            (i32.store offset={CONF.scanCode} (global.get $CONF) (local.get $j))
            (local.set $reason (i32.const {GROUPS_IRREGULAR}))
            (br $out)))
        (i32.store offset={CONF.recordStart} (global.get $CONF) (local.get $i))
        (i32.store offset={CONF.recordEnd} (global.get $CONF) (local.get $j))
        (i32.store offset={CONF.recordLine} (global.get $CONF) (local.get $line))
        (i32.store offset={CONF.recordIndex} (global.get $CONF) (i32.load offset={CONF.records} (global.get $CONF)))
        (i32.store offset={CONF.recordCells} (global.get $CONF) (i32.load offset={RESULT.cells} (global.get $RESULT)))
        (local.set $line (i32.add (local.get $line) (i32.load offset={RESULT.lines} (global.get $RESULT))))
        (local.set $i (local.get $j))
        (local.set $c (call $lane (i32.load offset={RESULT.cells} (global.get $RESULT))))
        (i32.store offset={CONF.records} (global.get $CONF) (i32.add (i32.load offset={CONF.records} (global.get $CONF)) (i32.const 1)))
        (if (local.get $c)
          (then
            (i32.store offset={CONF.eventReason} (global.get $CONF) (local.get $c))
            (local.set $reason (i32.const {GROUPS_EVENT}))
            (br $out)))
        (br $records)))
    (i32.store offset={CONF.position} (global.get $CONF) (local.get $i))
    (i32.store offset={CONF.lines} (global.get $CONF) (local.get $line))
    (local.get $reason))

  ;; Empties the groups and dates (the configuration stays as JavaScript wrote it).
  (func (export "reset")
    (memory.fill (global.get $SLOTS) (i32.const 0) (i32.const {SLOTS.bytes}))
    (memory.fill (global.get $DATE_SLOTS) (i32.const 0) (i32.const {DATE_SLOTS.bytes}))
    (i32.store offset={CONF.groups} (global.get $CONF) (i32.const 0))
    (i32.store offset={CONF.arenaEnd} (global.get $CONF) (i32.const 0))
    (i32.store offset={CONF.dates} (global.get $CONF) (i32.const 0))))
