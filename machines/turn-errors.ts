/**
 * This process lost the conversation's turn (its lease ran out and another process took it over, or
 * another process saved over it). The new owner finishes the turn and reports it; this process must
 * say nothing about it, since anything it said could be wrong.
 */
export class TurnLostError extends Error {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} was taken over by another process`);
  }
}

/**
 * The person stopped the turn before its requests for approval were stored: the guard's transaction is
 * rolled back, and the turn is decided again as stopped (nothing asked of anyone).
 */
export class TurnStoppedError extends Error {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId}: turn stopped before its approvals were asked for`);
  }
}
