// Fakes and fixtures of the media domain (owned by its pool's tests).
export {};
