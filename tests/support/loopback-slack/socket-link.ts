import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WorkspaceState } from './state';

export interface Envelope {
  envelope_id: string;
  type: 'events_api' | 'interactive' | 'slash_commands';
  accepts_response_payload: boolean;
  payload: Record<string, unknown>;
  retry_attempt?: number;
  retry_reason?: string;
}

/**
 * The Socket Mode side of the loopback Slack: single-use tickets from apps.connections.open, `hello` on
 * connect, envelopes out, acks in, `disconnect` on request. Envelopes sent while no socket is connected
 * wait for the next hello, as Slack holds them.
 */
export class SocketLink {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private current: WebSocket | null = null;
  private readonly held: Envelope[] = [];
  /** envelope_id → when the app acked it. */
  readonly acks = new Map<string, number>();
  /** envelope_id → when it went out on the socket (performance.now()). */
  readonly transmittedAt = new Map<string, number>();
  readonly sent: Envelope[] = [];
  /** How many connections got a hello (the first connect and every reconnect). */
  hellos = 0;

  constructor(private readonly state: WorkspaceState, private readonly appId: string) {}

  ticketUrl(base: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${base}/link/?ticket=${ticket}`;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket');
    if (!ticket || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const msg = JSON.parse(String(data)) as { envelope_id?: unknown };
        if (typeof msg.envelope_id === 'string' && !this.acks.has(msg.envelope_id)) this.acks.set(msg.envelope_id, performance.now());
      } catch {
        /* Slack ignores frames it cannot parse. */
      }
      this.state.touch();
    });
    ws.on('close', () => {
      this.sockets.delete(ws);
      if (this.current === ws) this.current = null;
      this.state.touch();
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'loopback', approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
    this.current = ws;
    this.hellos += 1;
    for (const e of this.held.splice(0)) this.transmit(e);
    this.state.touch();
  }

  get connected(): boolean {
    return this.current !== null;
  }

  send(e: Envelope): void {
    this.sent.push(e);
    if (this.current) this.transmit(e);
    else this.held.push(e);
  }

  private transmit(e: Envelope): void {
    this.transmittedAt.set(e.envelope_id, performance.now());
    this.current!.send(JSON.stringify(e));
  }

  /** Asks the app to reconnect, as Slack does when it recycles a connection. */
  disconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    const ws = this.current;
    if (!ws) return;
    this.current = null;
    ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'loopback' } }));
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
