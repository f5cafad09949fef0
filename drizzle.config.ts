import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from db/schema.ts into db/migrations (committed);
// the app applies them at startup (db/client.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/schema.ts',
  out: './db/migrations',
  dbCredentials: { url: process.env.SENTINEL_DB ?? 'data/sentinel.db' },
});
