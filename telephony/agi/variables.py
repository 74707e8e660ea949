"""Dialplan variable names shared by asterisk/extensions.conf and the AGI routes."""

# Set by the dialplan before Python runs
INVITE_TS = "HOTLINE_INVITE_TS"  # epoch.ms when the INVITE reached the dialplan
REC_BASE = "HOTLINE_REC_BASE"  # recordings path prefix: BASE-{caller,agent,mixed}.wav

# Set by Python for the dialplan
QUEUE = "HOTLINE_QUEUE"  # the department queue to join; empty = fail-safe
AGI_ERROR = "HOTLINE_AGI_ERROR"  # set when a route failed; the dialplan goes fail-safe
GREETED = "HOTLINE_GREETED"  # the greeting was played (fail-safe doesn't replay it)

# Set by Asterisk's Read() for Python
DIGIT = "HOTLINE_DIGIT"  # the first menu digit, pressed during the greeting or the menu

# Set by the dialplan for the call-end route
HANGUP_SOURCE = "HOTLINE_HANGUP_SOURCE"  # CHANNEL(hangupsource)
END_TS = "HOTLINE_END_TS"
OVERFLOW_FROM = "HOTLINE_OVERFLOW_FROM"
MESSAGE = "HOTLINE_MESSAGE"  # path of a message left when nobody answered

# Set by app_queue on the caller's channel
QUEUESTATUS = "QUEUESTATUS"
QUEUEWAIT_MS = "QUEUEWAIT_MS"
ANSWEREDTIME_MS = "ANSWEREDTIME_MS"
MEMBERNAME = "MEMBERNAME"  # setinterfacevar=yes: the agent who answered
ABANDONED = "ABANDONED"

# The incoming route's AGI() arguments: the INVITE's time, so that nothing is asked for before the greeting.
INCOMING_ARGS = (INVITE_TS,)
# The call-end route's AGI() arguments, in this order (asterisk/extensions.conf, [hotline-call-end]):
# handed over with the call, not asked for one GET VARIABLE round trip each.
CALL_END_ARGS = (MEMBERNAME, REC_BASE, MESSAGE, HANGUP_SOURCE, END_TS, QUEUE, QUEUEWAIT_MS, ANSWEREDTIME_MS)
