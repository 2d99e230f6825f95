# Attack: freeze envinit (PID 1 under --watch) with a match= pattern whose
# automaton explodes. Every pattern below made the old guard wait for
# regcomp for minutes; each must now be refused, naming FILE:LINE.
# `timeout` only keeps a regression from hanging the suite.
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }
refused() { # PATTERN MESSAGE
	printf '[keys]\nA = match="%s"\n' "$1" >m.ini
	ee A=1 timeout 20 "$EI" check -c m.ini
	ok "refused: $1" rc 78
	ok "named with FILE:LINE: $1" err_is "envinit: m.ini:2: A: match: regex too complex: $2"
}
unroll="its bounds, nesting and alternatives unroll too far"
# a ')' hidden in a bracket expression hid the nesting from the old guard
refused '([[:alpha:])](a|b|c|d){1,255}){1,255}' "$unroll"
refused '([[:alpha:])]([[:alpha:])](a|b|c|d|e|f|g|h){1,255}){1,255}){1,255}' "$unroll"
# alternation was not counted: branches add, bounds multiply
refused '(a|b|c|d|e|f|g|h|i|j){1,255}(a|b|c|d|e|f|g|h|i|j){1,255}' "$unroll"
refused '(a)\1' "back references are not supported"
# real patterns still work
printf '[keys]\nA = match="^([0-9]{1,3}\\.){3}[0-9]{1,3}$"\n' >ok.ini
ee A=10.0.0.1 "$EI" check -c ok.ini -q
ok "an IPv4 pattern passes" rc 0
ee A=10.0.0 "$EI" check -c ok.ini -q
ok "and still checks" rc 78
