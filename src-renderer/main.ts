import { mount } from 'svelte';
import App from './App.svelte';
import { connectApi } from './lib/api-client';
import { AppState } from './lib/app.svelte';
import './app.css';

const app = new AppState(connectApi());
mount(App, { target: document.getElementById('app')!, props: { app } });
