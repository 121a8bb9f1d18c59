import type { Migration } from '../source.ts';
import { activityTables } from './analytics/activity.ts';
import { houseLeads } from './analytics/house-leads.ts';
import { jobRuns } from './analytics/job-runs.ts';
import { metricsViews } from './analytics/metrics-views.ts';

/**
 * Migrations of the analytics domain, in order. Name each '002-analytics-<what>' (names are recorded
 * once applied: append new ones, never rename or edit a shipped one).
 */
export const analyticsMigrations: Migration[] = [activityTables, metricsViews, houseLeads, jobRuns];
