import { render } from 'preact';
import { App } from './app/App.js';
import { startOfflineKit } from './app/connection.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
void startOfflineKit();
