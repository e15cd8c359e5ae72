"""The pages app has no models: it composes the other apps' models into public pages."""
