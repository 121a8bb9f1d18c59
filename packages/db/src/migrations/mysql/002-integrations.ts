import type { Migration } from '../source.ts';
import { webhookDeliveries } from './integrations/webhook-deliveries.ts';

/**
 * Migrations of the integrations domain, in order. Name each '002-integrations-<what>' (names are recorded
 * once applied: append new ones, never rename or edit a shipped one).
 */
export const integrationsMigrations: Migration[] = [webhookDeliveries];
