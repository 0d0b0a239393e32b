/** The platform pages, in the navigation's order. A page for a new API is one entry here. */
import type { FunctionComponent } from 'preact';
import { DatasetsPage, SourcesPage } from './data-pages';
import { FailedPage } from './failed-page';
import { IdentitySettingsPage } from './identity-page';
import { AudiencesPage, JourneysPage } from './audience-journey-pages';
import { SqlPage } from './sql-page';
import { DoctorPage } from './doctor-page';
import { CredentialsPage } from './credentials-page';

export interface PageRoute {
  path: string;
  label: string;
  page: FunctionComponent<{ query: URLSearchParams }>;
  hidden?: boolean;
}

export const ROUTES: PageRoute[] = [
  { path: '/admin/datasets', label: 'Schemas & datasets', page: DatasetsPage },
  { path: '/admin/sources', label: 'Sources & dataflows', page: SourcesPage },
  { path: '/admin/failed', label: 'Failed records', page: FailedPage },
  { path: '/admin/identity', label: 'Identity settings', page: IdentitySettingsPage },
  { path: '/admin/audiences', label: 'Audiences', page: AudiencesPage },
  { path: '/admin/journeys', label: 'Journeys', page: JourneysPage },
  { path: '/admin/sql', label: 'SQL', page: SqlPage },
  { path: '/doctor', label: 'Profile doctor', page: DoctorPage },
  { path: '/admin/credentials', label: 'Credentials', page: CredentialsPage },
];
