import type { Migration } from '../source.ts';

/**
 * Migrations of the analytics domain, in order. Name each '002-analytics-<what>' (names are recorded
 * once applied: append new ones, never rename or edit a shipped one).
 */
export const analyticsMigrations: Migration[] = [];
