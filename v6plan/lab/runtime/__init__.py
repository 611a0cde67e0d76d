"""Running a topology: the contract between the engine and its backends, the registry that
names them, the session (state, journal, lock), the programs a lab needs, and the Scapy-free
wire layer both backends share. The backends live in ``sim/`` and ``netns/``; nothing else
here imports them."""
