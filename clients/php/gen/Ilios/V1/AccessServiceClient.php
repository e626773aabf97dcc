<?php
// GENERATED CODE -- DO NOT EDIT!

namespace Ilios\V1;

/**
 * Who is calling. A client can check its API key before it sends anything
 * large; the REST gateway does so before it reads a request's body.
 */
class AccessServiceClient extends \Grpc\BaseStub {

    /**
     * @param string $hostname hostname
     * @param array $opts channel options
     * @param \Grpc\Channel $channel (optional) re-use channel object
     */
    public function __construct($hostname, $opts, $channel = null) {
        parent::__construct($hostname, $opts, $channel);
    }

    /**
     * The caller's identity under the key it sent (metadata
     * `authorization: Bearer KEY`); UNAUTHENTICATED without a valid one.
     * @param \Ilios\V1\GetCallerRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetCaller(\Ilios\V1\GetCallerRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.AccessService/GetCaller',
        $argument,
        ['\Ilios\V1\GetCallerResponse', 'decode'],
        $metadata, $options);
    }

}
