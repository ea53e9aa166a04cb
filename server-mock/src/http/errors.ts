// One error type for the whole server: the library answers an HttpError thrown by server-mock's auth as it is.
export { HttpError, invalidBody } from '@offline-kit/server';
