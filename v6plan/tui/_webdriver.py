"""The driver of a served app (``v6plan serve``): Textual's WebDriver that always ends.

Textual's WebDriver keeps the app running when its stdin reaches end of file (the server
that fed it is gone: nothing will ever draw its screen again), and its SIGTERM handler only
runs on the event loop — which never runs again once the app is blocked writing a frame to
a pipe nobody reads. That is how a tab's app process once outlived its browser at 60 % CPU
and ignored SIGTERM. Here end of input asks the app to exit, and SIGTERM always ends the
process: gracefully if the app can still exit, else after ``EXIT_GRACE`` seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from types import FrameType

from textual import messages
from textual.drivers.web_driver import WebDriver

__all__ = ["EXIT_GRACE", "ServedDriver"]

#: Seconds a served app has to exit on its own before the process ends regardless.
EXIT_GRACE = 3.0


class ServedDriver(WebDriver):
    """WebDriver whose process ends when its server goes or SIGTERM arrives."""

    def start_application_mode(self) -> None:
        super().start_application_mode()
        # Python runs this handler between bytecodes of the main thread, even while the
        # event loop is stuck in a blocked write; the loop's own handler still asks the app
        # to exit (set_wakeup_fd reaches it as before).
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # stdin ended before the app did: the server left
            self._end_soon(1)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self._end_soon(128 + signum)

    def _end_soon(self, status: int) -> None:
        """Ask the app to exit; end the process after the grace if it is still here."""
        loop = self._loop  # Driver's: the app's event loop
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._app._post_message(messages.ExitApp()), loop)

        def deadline() -> None:
            time.sleep(EXIT_GRACE)
            os._exit(status)  # a daemon thread: a process that exited in time never gets here

        threading.Thread(target=deadline, name="v6plan-exit-deadline", daemon=True).start()
